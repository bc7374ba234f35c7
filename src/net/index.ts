// Public API of the net layer: addresses, clocks, datagram endpoints (UDP), message streams (TCP), select.
export { formatAddress, parseAddress, type Address, type AddressLike, type InetAddress, type IpcAddress, type Transport } from './address.ts';
export { realClock, type Clock } from './clock.ts';
export type { Datagram, DatagramEndpoint, DatagramStats } from './datagram.ts';
export { select, type Selectable } from './select.ts';
export { type SenderStats } from './sequencing.ts';
export { bindUdp, MAX_UDP_PAYLOAD, UDP_DEFAULTS, UdpEndpoint, type SequencingOptions, type UdpOptions } from './udp.ts';
export type { WaitOptions } from './wait.ts';
export { encodeFrame, FrameDecoder, FrameKind, FRAME_HEADER_BYTES } from './framing.ts';
export type { MessageStream, SendOptions, StreamStats } from './stream.ts';
export { STREAM_DEFAULTS, TcpMessageStream, type StreamOptions } from './tcp-stream.ts';
export { connect, listen, Listener, LISTEN_DEFAULTS, type ListenerStats, type ListenOptions, type TlsClientOptions, type TlsServerOptions } from './tcp.ts';
export { DataItemReader, DataItemType, DataItemWriter, type DataItem, type DataItemTypeName } from './data-items.ts';
// Faults on demand: virtual time, a seeded generator, the simulated network and the chaos proxy.
export { VirtualClock, VIRTUAL_CLOCK_DEFAULTS, type RunOptions, type TimerTarget, type VirtualClockOptions } from './virtual-clock.ts';
export { Prng } from './prng.ts';
export { SimNetwork, SIM_DEFAULTS, type SimNetworkOptions } from './sim/network.ts';
export { SimDatagramEndpoint, type SimDatagramOptions } from './sim/endpoint.ts';
export { NAT_FILTER_DEFAULTS, type NatFilterOptions } from './sim/nat-filter.ts';
export { LINK_DEFAULTS, type Latency, type LinkModel } from './sim/link-model.ts';
export { fullMesh, internet, type InternetOptions, type InternetTopology, type Range, type Topology } from './sim/topology.ts';
export type { Partition } from './sim/partition.ts';
export type { NetCounters } from './sim/counters.ts';
export { TraceRecorder, type TraceEvent, type TraceKind, type TraceListener } from './sim/trace.ts';
export { startChaosProxy, type ChaosProxy } from './chaos/proxy.ts';
export { CHAOS_DEFAULTS, type ChaosFaults, type ChaosOptions } from './chaos/options.ts';
export { describeChaosStats, type ChaosStats, type DirectionStats } from './chaos/stats.ts';
export { SimListener, type SimConnectOptions, type SimListenOptions } from './sim/listener.ts';
export { SimMessageStream, SIM_STREAM_DEFAULTS, type SimStreamOptions } from './sim/stream.ts';
