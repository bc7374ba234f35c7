import net from 'node:net';
import tls from 'node:tls';
import { AbortedError, AddressInUseError, ClosedError, CourierError, ConnectionRefusedError, InvalidAddressError, TimeoutError, TlsError, TooManyConnectionsError } from '../errors.ts';
import { formatAddress, parseAddress, type Address, type AddressLike } from './address.ts';
import { realClock } from './clock.ts';
import { iterateQueue, MessageQueue } from './queue.ts';
import type { Selectable } from './select.ts';
import type { MessageStream } from './stream.ts';
import { TcpMessageStream, type StreamOptions } from './tcp-stream.ts';
import type { WaitOptions } from './wait.ts';

/**
 * TLS for a listener: its certificate and key, and, to check clients' certificates, `requestCert: true`
 * with the `ca` that signs them (clients without a valid certificate are then refused by the handshake).
 */
export type TlsServerOptions = Pick<tls.TlsOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'requestCert' | 'rejectUnauthorized' | 'minVersion' | 'ciphers'>;

/** TLS for a connection: the `ca` to check the server with, and the client's own certificate when asked for one. */
export type TlsClientOptions = Pick<tls.ConnectionOptions, 'key' | 'cert' | 'ca' | 'pfx' | 'passphrase' | 'servername' | 'rejectUnauthorized' | 'minVersion' | 'checkServerIdentity'>;

export interface ListenOptions extends StreamOptions {
  /** Serve TLS instead of plain TCP. */
  readonly tls?: TlsServerOptions;
  /** Connections served at once; a further one is refused with ERR_TOO_MANY_CONNECTIONS. Default 1024. */
  readonly maxConnections?: number;
  /** The kernel's queue of connections not yet accepted. Default 511. */
  readonly backlog?: number;
}

export const LISTEN_DEFAULTS = Object.freeze({ maxConnections: 1024, backlog: 511 });

/** Counters of a listener. */
export interface ListenerStats {
  readonly accepted: number;
  readonly refused: number;
  /** Connections open now (accepted and not yet closed). */
  readonly active: number;
}

/**
 * Listens for message-stream connections on `tcp://host:port` (port 0 for an ephemeral one) or
 * `ipc:///path`. Rejects with ERR_ADDRESS_IN_USE when the address is taken.
 */
export async function listen(address: AddressLike, options: ListenOptions = {}): Promise<Listener> {
  const wanted = parseAddress(address);
  if (wanted.transport === 'udp') throw new InvalidAddressError(`cannot listen for streams on ${formatAddress(wanted)}; use tcp:// or ipc://`, { input: formatAddress(wanted) });
  const server = options.tls ? tls.createServer({ ...options.tls, noDelay: true }) : net.createServer({ noDelay: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const text = formatAddress(wanted);
      if (err.code === 'EADDRINUSE') reject(new AddressInUseError(`${text} is already in use`, { address: text }, { cause: err }));
      else if (err.code === 'EADDRNOTAVAIL') reject(new InvalidAddressError(`${text} is not an address of this host`, { address: text }));
      else reject(err);
    });
    const backlog = options.backlog ?? LISTEN_DEFAULTS.backlog;
    if (wanted.transport === 'ipc') server.listen({ path: wanted.path, backlog }, resolve);
    else server.listen({ host: wanted.host, port: wanted.port, backlog, ipv6Only: net.isIPv6(wanted.host) }, resolve);
  });
  return new Listener(server, wanted, options);
}

/** A listening socket whose connections arrive as message streams, each to be served concurrently. */
export class Listener implements Selectable, AsyncDisposable {
  readonly address: Address;
  private readonly queue: MessageQueue<TcpMessageStream>;
  private readonly maxConnections: number;
  private readonly open = new Set<TcpMessageStream>();
  private readonly counters = { accepted: 0, refused: 0 };
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: net.Server,
    requested: Address,
    private readonly options: ListenOptions,
  ) {
    const bound = server.address();
    this.address =
      requested.transport === 'ipc' || bound === null || typeof bound === 'string'
        ? requested
        : { transport: 'tcp', host: bound.address, port: bound.port };
    this.maxConnections = options.maxConnections ?? LISTEN_DEFAULTS.maxConnections;
    this.queue = new MessageQueue<TcpMessageStream>(this.maxConnections, options.clock ?? realClock);
    // A TLS listener hands over connections once their handshake (and client certificate check) succeeded.
    if (server instanceof tls.Server) {
      server.on('secureConnection', (socket) => this.onConnection(socket));
      server.on('tlsClientError', (_err, socket) => socket.destroy()); // the client could not prove itself
    } else server.on('connection', (socket) => this.onConnection(socket));
  }

  get readable(): boolean {
    return this.queue.readable;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Waits for the next connection. ERR_TIMEOUT, ERR_ABORTED per `opts`; ERR_CLOSED once the listener closed. */
  async accept(opts?: WaitOptions): Promise<MessageStream> {
    const stream = await this.queue.take(opts, `accept on ${formatAddress(this.address)}`);
    if (stream === null) throw new ClosedError(`listener ${formatAddress(this.address)} is closed`);
    return stream;
  }

  /** Iterates incoming connections until the listener closes. */
  [Symbol.asyncIterator](): AsyncIterator<MessageStream> {
    return iterateQueue<MessageStream>(() => this.queue.take(undefined, 'accept'));
  }

  /**
   * Serves every connection concurrently with `handler`, closing each stream when its handler settles.
   * A handler's error goes to `onError` (default: ignored after closing the stream). Resolves when the
   * listener is closed and every handler has finished.
   */
  async serve(handler: (stream: MessageStream) => Promise<void>, onError: (err: unknown, stream: MessageStream) => void = () => undefined): Promise<void> {
    const running = new Set<Promise<void>>();
    for await (const stream of this) {
      const task = handler(stream)
        .catch((err: unknown) => onError(err, stream))
        .finally(() => stream.close())
        .finally(() => running.delete(task));
      running.add(task);
    }
    await Promise.allSettled(running);
  }

  stats(): ListenerStats {
    return { ...this.counters, active: this.open.size };
  }

  /** Stops listening; connections not yet accepted are closed, accepted ones stay open. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.queue.end();
      for (let s = this.queue.tryTake(); s; s = this.queue.tryTake()) s.destroy();
      // server.close() stops listening at once; its callback would wait for accepted connections too.
      this.server.close();
      setImmediate(resolve);
    });
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private onConnection(socket: net.Socket): void {
    const remote = socketAddress(socket, 'remote', this.address);
    const local = socketAddress(socket, 'local', this.address);
    if (this.closing || this.open.size >= this.maxConnections) {
      this.counters.refused++;
      const refusal = new TooManyConnectionsError(
        `${formatAddress(this.address)} serves its maximum of ${this.maxConnections} connections`,
        { limit: this.maxConnections },
      );
      new TcpMessageStream(socket, local, remote, this.options, refusal);
      return;
    }
    const stream = new TcpMessageStream(socket, local, remote, this.options);
    this.counters.accepted++;
    this.open.add(stream);
    socket.once('close', () => this.open.delete(stream));
    this.queue.push(stream);
  }
}

/**
 * Connects to a listener at `tcp://host:port` or `ipc:///path` and completes courier's handshake.
 * Rejects with ERR_CONNECTION_REFUSED when nothing listens, ERR_TOO_MANY_CONNECTIONS when the listener is
 * full, ERR_TIMEOUT / ERR_ABORTED per `opts`.
 */
export async function connect(address: AddressLike, opts: WaitOptions & StreamOptions & { tls?: TlsClientOptions } = {}): Promise<TcpMessageStream> {
  const target = parseAddress(address);
  if (target.transport === 'udp') throw new InvalidAddressError(`cannot open a stream to ${formatAddress(target)}; use tcp:// or ipc://`, { input: formatAddress(target) });
  const text = formatAddress(target);
  const clock = opts.clock ?? realClock;
  const started = clock.now();
  if (opts.signal?.aborted) throw new AbortedError(`connect to ${text} aborted`, opts.signal.reason);
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s =
      target.transport === 'ipc'
        ? net.connect({ path: target.path })
        : opts.tls
          ? tls.connect({ ...opts.tls, host: target.host, port: target.port, servername: opts.tls.servername ?? (net.isIP(target.host) ? undefined : target.host) })
          : net.connect({ host: target.host, port: target.port, noDelay: true });
    const cleanup = () => {
      cancelTimer?.();
      opts.signal?.removeEventListener('abort', onAbort);
      s.off('error', onError);
    };
    const onError = (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === 'ECONNREFUSED' || err.code === 'ENOENT') reject(new ConnectionRefusedError(`nothing is listening at ${text}`, { address: text }, { cause: err }));
      else if (opts.tls) reject(new TlsError(`TLS handshake with ${text} failed: ${err.message}`, { address: text, reason: err.code ?? err.message }, { cause: err }));
      else reject(err);
    };
    const onAbort = () => {
      cleanup();
      s.destroy();
      reject(new AbortedError(`connect to ${text} aborted`, opts.signal?.reason));
    };
    const cancelTimer =
      opts.timeout === undefined
        ? undefined
        : clock.setTimer(() => {
            cleanup();
            s.destroy();
            reject(new TimeoutError(`connect to ${text} timed out after ${opts.timeout} ms`, { timeoutMs: opts.timeout, address: text }));
          }, opts.timeout);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    s.once('error', onError);
    s.once(opts.tls ? 'secureConnect' : 'connect', () => {
      cleanup();
      resolve(s);
    });
  });
  const stream = new TcpMessageStream(socket, socketAddress(socket, 'local', target), target, opts);
  const remaining = opts.timeout === undefined ? undefined : Math.max(0, opts.timeout - (clock.now() - started));
  try {
    await stream.ready({ ...(remaining === undefined ? {} : { timeout: remaining }), ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    stream.destroy();
    // With TLS 1.3 a server checks the client's certificate after the client considers the handshake
    // done, so a refusal arrives as the connection failing before courier's greeting: say what it was.
    if (opts.tls && err instanceof CourierError && err.code === 'ERR_CONNECTION_BROKEN') {
      const cause = err.cause instanceof Error ? err.cause.message : 'the server closed the connection';
      throw new TlsError(`the server at ${text} refused this client's certificate (or presented none it accepts): ${cause}`, { address: text }, { cause: err });
    }
    throw err;
  }
  return stream;
}

function socketAddress(socket: net.Socket, side: 'local' | 'remote', fallback: Address): Address {
  const host = side === 'local' ? socket.localAddress : socket.remoteAddress;
  const port = side === 'local' ? socket.localPort : socket.remotePort;
  if (host === undefined || port === undefined) return fallback;
  return { transport: 'tcp', host: host.startsWith('::ffff:') ? host.slice(7) : host, port };
}
