import { InvalidAddressError } from '../../errors.ts';
import { formatAddress, ipFamily, parseAddress, type InetAddress } from '../address.ts';
import { realClock } from '../clock.ts';
import type { ChaosFaults, ChaosOptions } from './options.ts';
import { resolveFaults } from './options.ts';
import type { ChaosStats } from './stats.ts';
import { TcpChaosProxy } from './tcp-proxy.ts';
import { UdpChaosProxy } from './udp-proxy.ts';

/** A running fault-injecting proxy (UDP or TCP, by the transport of its addresses). */
export interface ChaosProxy extends AsyncDisposable {
  /** Where clients send or connect (the real port when 0 was asked for). */
  readonly address: InetAddress;
  readonly target: InetAddress;
  /** Counters per direction of what was forwarded and what was injected. */
  stats(): ChaosStats;
  /** Changes faults while running; fields not given keep their value. ERR_INVALID_ARGUMENT for a bad value. */
  update(faults: ChaosFaults): void;
  /** Stops forwarding and closes every socket. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a chaos proxy listening at `options.listen` and forwarding to `options.target` with the faults
 * given: UDP datagrams both ways with loss, duplication, reordering, delay and jitter; TCP byte streams with
 * delay, jitter, bandwidth limits, stalls and cuts. Loopback only: both addresses must be IP literals of
 * this host. Rejects with ERR_INVALID_ADDRESS (mixed transports, a host name), ERR_ADDRESS_IN_USE,
 * ERR_INVALID_ARGUMENT (a bad fault value).
 */
export async function startChaosProxy(options: ChaosOptions): Promise<ChaosProxy> {
  const listen = inet(options.listen, 'listen');
  const target = inet(options.target, 'target');
  if (listen.transport !== target.transport) {
    throw new InvalidAddressError(`listen (${formatAddress(listen)}) and target (${formatAddress(target)}) must use the same transport`);
  }
  resolveFaults(options); // fail before binding anything
  const clock = options.clock ?? realClock;
  const proxy = listen.transport === 'udp' ? await UdpChaosProxy.start(listen, target, options, clock) : await TcpChaosProxy.start(listen, target, options, clock);
  return {
    address: proxy.address,
    target: proxy.target,
    stats: () => proxy.stats(),
    update: (faults) => proxy.update(faults),
    close: () => proxy.close(),
    [Symbol.asyncDispose]: () => proxy.close(),
  };
}

function inet(input: ChaosOptions['listen'], what: string): InetAddress {
  const a = parseAddress(input);
  if (a.transport === 'ipc') throw new InvalidAddressError(`${what}: the chaos proxy forwards udp:// or tcp://, not ${formatAddress(a)}`);
  if (ipFamily(a.host) === 0) throw new InvalidAddressError(`${what}: use an IP address (such as 127.0.0.1), not the name '${a.host}'`, { input: formatAddress(a) });
  return a;
}
