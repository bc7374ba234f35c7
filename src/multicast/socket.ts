/**
 * The UDP sockets behind a multicast endpoint: each one a `UdpEndpoint` (buffer, truncation, queue,
 * counters, sequencing all come from it), with the raw socket kept reachable for the multicast socket
 * options that `DatagramEndpoint` has no words for.
 */
import dgram from 'node:dgram';
import { AddressInUseError, InvalidAddressError, InvalidArgumentError } from '../errors.ts';
import { UdpEndpoint, type UdpOptions } from '../net/udp.ts';

/** A UdpEndpoint whose socket the multicast layer may configure (membership, TTL, loopback, interface). */
export class MulticastSocket extends UdpEndpoint {
  /** The underlying socket, for multicast socket options only: reading and sending go through the endpoint. */
  get raw(): dgram.Socket {
    return this.socket;
  }
}

/**
 * Binds a socket to `host:port` and wraps it. `shared` sets SO_REUSEADDR so that every member on this
 * host can bind the group's port. Rejects with ERR_ADDRESS_IN_USE or ERR_INVALID_ADDRESS.
 */
export async function bindSocket(family: 4 | 6, host: string, port: number, shared: boolean, options: UdpOptions): Promise<MulticastSocket> {
  const socket = dgram.createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    reuseAddr: shared,
    ipv6Only: family === 6,
    ...(options.socketReceiveBuffer ? { recvBufferSize: options.socketReceiveBuffer } : {}),
    ...(options.socketSendBuffer ? { sendBufferSize: options.socketSendBuffer } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      const text = family === 6 ? `[${host}]:${port}` : `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new AddressInUseError(`udp://${text} is already in use`, { address: text }, { cause: err }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'EINVAL') reject(new InvalidAddressError(`cannot bind udp://${text}: ${err.code}`, { address: text }));
      else reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  try {
    return new MulticastSocket(socket, options);
  } catch (err) {
    socket.close(); // bad options: do not leave the socket bound
    throw err;
  }
}

/**
 * Turns a failed membership or socket-option call into a courier error naming what was asked:
 * an interface that is not this host's (ERR_INVALID_ADDRESS), or a request the kernel refuses
 * (ERR_INVALID_ARGUMENT, with the system's code in `context.errno`).
 */
export function translateOptionError(err: unknown, what: string, context: Record<string, unknown>): Error {
  if (!(err instanceof Error)) return new InvalidArgumentError(`${what} failed: ${String(err)}`, context);
  const code = 'code' in err && typeof err.code === 'string' ? err.code : undefined;
  const errno = code ?? /\b(E[A-Z]+)\b/.exec(err.message)?.[1];
  if (errno === 'ENODEV' || errno === 'EADDRNOTAVAIL') {
    return new InvalidAddressError(`${what}: no such interface on this host (${errno})`, { ...context, errno });
  }
  if (errno === 'ENOBUFS') {
    return new InvalidArgumentError(`${what}: the kernel's limit of memberships per socket is reached (ENOBUFS; see net.ipv4.igmp_max_memberships)`, { ...context, errno });
  }
  return new InvalidArgumentError(`${what} failed: ${err.message}`, { ...context, errno });
}
