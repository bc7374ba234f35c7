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
export { connect, listen, Listener, LISTEN_DEFAULTS, type ListenerStats, type ListenOptions } from './tcp.ts';
export { DataItemReader, DataItemType, DataItemWriter, type DataItem, type DataItemTypeName } from './data-items.ts';
