import { ClosedError } from '../errors.ts';
import type { Format } from '../marshal/codec-types.ts';
import { formatAddress, parseInetAddress, peerKey, type AddressLike, type InetAddress } from '../net/address.ts';
import { realClock, type Clock } from '../net/clock.ts';
import { MessageQueue } from '../net/queue.ts';
import type { MessageStream } from '../net/stream.ts';
import { connect, listen, type Listener, type ListenOptions, type TlsClientOptions } from '../net/tcp.ts';
import { boundedWait, type Settler, type WaitOptions } from '../net/wait.ts';
import { messageCodec, type Message } from './messages.ts';
import type { RequestReplyTransport } from './transport.ts';
import type { CallOptions, IncomingRequest, Reply, Request } from './udp-request-reply.ts';

export interface StreamRequestReplyOptions extends ListenOptions {
  /** Marshalling format of messages (default 'cdr'); both ends must agree. */
  readonly format?: Format;
  /** Requests waiting for `getRequest` (default 1024). */
  readonly maxQueuedRequests?: number;
  /** Requests of one connection taken and not yet answered; past this, reading it pauses (default 256). */
  readonly maxUnansweredPerConnection?: number;
  /** TLS for the connections this endpoint opens to servers (`tls` is for the ones it accepts). */
  readonly clientTls?: TlsClientOptions;
  /** How long to wait for a connection to a server, ms (default 5000). */
  readonly connectTimeout?: number;
  readonly clock?: Clock;
}

export const STREAM_REQUEST_REPLY_DEFAULTS = Object.freeze({ maxQueuedRequests: 1024, maxUnansweredPerConnection: 256, connectTimeout: 5000 });

/** One connection, in either direction: its stream, the calls it carries, and the requests it owes answers to. */
class Connection {
  nextRequestId = 1;
  readonly calls = new Map<number, Settler<Reply>>();
  unanswered = 0;
  private resume: (() => void) | undefined;

  constructor(
    readonly stream: MessageStream,
    private readonly maxUnanswered: number,
  ) {}

  /** Waits while this connection has too many requests unanswered, so TCP pushes back on the client. */
  async room(): Promise<void> {
    while (this.unanswered >= this.maxUnanswered) await new Promise<void>((r) => (this.resume = r));
  }

  answered(): void {
    this.unanswered--;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }
}

/**
 * The request-reply protocol over TCP message streams: many requests in flight on one connection, matched
 * to replies by request id. TCP delivers each request once, so there is no retransmission and no history:
 * a call either gets its reply or fails with ERR_CONNECTION_BROKEN (when it may or may not have run).
 */
export class StreamRequestReply implements RequestReplyTransport {
  private readonly codec;
  private readonly clock: Clock;
  private readonly requests: MessageQueue<IncomingRequest>;
  private readonly origin = new WeakMap<IncomingRequest, Connection>();
  private readonly outgoing = new Map<string, Promise<Connection>>();
  private readonly connections = new Set<Connection>();
  private readonly accepting: Promise<void>;
  private closed = false;

  private constructor(
    private readonly listener: Listener,
    private readonly options: StreamRequestReplyOptions,
  ) {
    this.codec = messageCodec(options.format ?? 'cdr');
    this.clock = options.clock ?? realClock;
    this.requests = new MessageQueue<IncomingRequest>(options.maxQueuedRequests ?? STREAM_REQUEST_REPLY_DEFAULTS.maxQueuedRequests, this.clock);
    this.accepting = this.accept();
  }

  /** Listens at `address` (`tcp://127.0.0.1:0`) for requests, and can call other endpoints. */
  static async listen(address: AddressLike, options: StreamRequestReplyOptions = {}): Promise<StreamRequestReply> {
    return new StreamRequestReply(await listen(address, options), options);
  }

  get address(): InetAddress {
    return parseInetAddress(this.listener.address, 'tcp');
  }

  /**
   * Sends a request over a connection to `to` (opened on first use, then shared by every call) and waits
   * for its reply. ERR_CONNECTION_REFUSED, ERR_CONNECTION_BROKEN, ERR_TIMEOUT per `opts`.
   */
  async doOperation(to: AddressLike, request: Request, opts: CallOptions = {}): Promise<Reply> {
    if (this.closed) throw new ClosedError('request-reply endpoint is closed');
    const dest = parseInetAddress(to, 'tcp');
    const connection = await this.connectionTo(dest, opts);
    const requestId = connection.nextRequestId;
    connection.nextRequestId = (connection.nextRequestId + 1) >>> 0 || 1;
    const message: Message = { kind: 'request', requestId, semantics: 'atMostOnce', target: request.target, operation: request.operation, status: 'ok', body: request.body };
    return boundedWait<Reply>(
      (settler) => {
        connection.calls.set(requestId, settler);
        connection.stream.send(this.codec.encode(message)).catch((err: unknown) => settler.reject(err));
        return () => connection.calls.delete(requestId);
      },
      opts,
      this.clock,
      `call ${requestId} to ${formatAddress(dest)}`,
    );
  }

  async getRequest(opts?: WaitOptions): Promise<IncomingRequest> {
    const request = await this.requests.take(opts, `getRequest on ${formatAddress(this.address)}`);
    if (request === null) throw new ClosedError('request-reply endpoint is closed');
    return request;
  }

  async sendReply(request: IncomingRequest, reply: Reply): Promise<void> {
    const connection = this.origin.get(request);
    if (!connection) throw new ClosedError('the request did not come from this endpoint');
    this.origin.delete(request);
    connection.answered();
    const message: Message = { kind: 'reply', requestId: request.requestId, semantics: request.semantics, operation: request.operation, status: reply.status, body: reply.body };
    await connection.stream.send(this.codec.encode(message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.requests.end();
    await this.listener.close();
    for (const c of this.connections) c.stream.destroy();
    await this.accepting;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private connectionTo(dest: InetAddress, opts: WaitOptions): Promise<Connection> {
    const key = peerKey(dest.host, dest.port);
    let pending = this.outgoing.get(key);
    if (!pending) {
      const timeout = Math.min(opts.timeout ?? Infinity, this.options.connectTimeout ?? STREAM_REQUEST_REPLY_DEFAULTS.connectTimeout);
      const { tls: _serverTls, clientTls, ...streamOptions } = this.options;
      const tlsOption = clientTls ? { tls: clientTls } : {};
      pending = connect(dest, { ...streamOptions, ...tlsOption, timeout, ...(opts.signal ? { signal: opts.signal } : {}) }).then((stream) => this.adopt(stream, key));
      this.outgoing.set(key, pending);
      pending.catch(() => this.outgoing.delete(key));
    }
    return pending;
  }

  private async accept(): Promise<void> {
    try {
      for await (const stream of this.listener) this.adopt(stream, undefined);
    } catch (err) {
      // The listener only fails by being closed; anything else reaches readers of the request queue.
      if (!this.closed) this.requests.fail(err);
    }
  }

  private adopt(stream: MessageStream, outgoingKey: string | undefined): Connection {
    const connection = new Connection(stream, this.options.maxUnansweredPerConnection ?? STREAM_REQUEST_REPLY_DEFAULTS.maxUnansweredPerConnection);
    this.connections.add(connection);
    void this.read(connection, () => {
      // Forget the connection before failing its calls, so a caller that retries opens a new one.
      this.connections.delete(connection);
      if (outgoingKey) this.outgoing.delete(outgoingKey);
    });
    return connection;
  }

  private async read(connection: Connection, onEnd: () => void): Promise<void> {
    const peer = connection.stream.remoteAddress.transport === 'ipc' ? undefined : connection.stream.remoteAddress;
    let failure: unknown = new ClosedError('the connection ended');
    try {
      for (;;) {
        await connection.room();
        const bytes = await connection.stream.receive();
        if (bytes === null) break;
        // A peer that sends an undecodable message is not trusted further: the error ends the connection.
        const message = this.codec.decode(bytes);
        if (message.kind === 'reply') {
          connection.calls.get(message.requestId)?.resolve({ status: message.status, body: message.body });
          continue;
        }
        if (!message.target || !peer) continue;
        const request: IncomingRequest = { from: peer, requestId: message.requestId, semantics: message.semantics, target: message.target, operation: message.operation, body: message.body };
        this.origin.set(request, connection);
        connection.unanswered++;
        if (!this.requests.push(request)) {
          connection.answered();
          await connection.stream.send(this.codec.encode({ ...message, kind: 'reply', status: 'badRequest', body: Buffer.from('server overloaded: request queue full') }));
        }
      }
    } catch (err) {
      failure = err;
    } finally {
      onEnd();
      for (const call of connection.calls.values()) call.reject(failure);
      connection.stream.destroy();
    }
  }
}
