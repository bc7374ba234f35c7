import { ClosedError, ConnectionRefusedError, TimeoutError, TooManyConnectionsError } from '../../errors.ts';
import { formatAddress, parseInetAddress, type AddressLike, type InetAddress } from '../address.ts';
import { iterateQueue, MessageQueue } from '../queue.ts';
import type { Selectable } from '../select.ts';
import type { MessageStream } from '../stream.ts';
import { LISTEN_DEFAULTS } from '../tcp.ts';
import { boundedWait, type WaitOptions } from '../wait.ts';
import type { SimNetwork, SimReceiver } from './network.ts';
import { SIM_STREAM_DEFAULTS, SimMessageStream, type SimStreamOptions } from './stream.ts';

export interface SimListenOptions extends SimStreamOptions {
  /** Connections served at once; a further one is refused with ERR_TOO_MANY_CONNECTIONS. Default 1024. */
  readonly maxConnections?: number;
}

export interface SimConnectOptions extends SimStreamOptions, WaitOptions {
  /** The connecting host (`10.0.0.7`): the connection gets an ephemeral port there. */
  readonly from: string;
}

/** A simulated listening socket: connections arrive as message streams, one round trip after `connect`. */
export class SimListener implements Selectable, AsyncDisposable, SimReceiver {
  readonly address: InetAddress;
  private readonly id: number;
  private readonly queue: MessageQueue<SimMessageStream>;
  private readonly maxConnections: number;
  private readonly open = new Set<SimMessageStream>();
  private readonly counters = { accepted: 0, refused: 0 };
  private closed = false;

  /** Use `network.listen(address)`. */
  constructor(
    private readonly network: SimNetwork,
    wanted: InetAddress,
    private readonly options: SimListenOptions,
  ) {
    this.maxConnections = options.maxConnections ?? LISTEN_DEFAULTS.maxConnections;
    this.queue = new MessageQueue<SimMessageStream>(this.maxConnections, network.clock);
    const { id, address } = network.register(wanted, this);
    this.id = id;
    this.address = address;
  }

  get readable(): boolean {
    return this.queue.readable;
  }

  onReadable(listener: () => void): () => void {
    return this.queue.onReadable(listener);
  }

  /** Waits for the next connection. ERR_TIMEOUT, ERR_ABORTED per `opts`; ERR_CLOSED once closed. */
  async accept(opts?: WaitOptions): Promise<MessageStream> {
    const stream = await this.queue.take(opts, `accept on ${formatAddress(this.address)}`);
    if (stream === null) throw new ClosedError(`listener ${formatAddress(this.address)} is closed`);
    return stream;
  }

  [Symbol.asyncIterator](): AsyncIterator<MessageStream> {
    return iterateQueue<MessageStream>(() => this.queue.take(undefined, 'accept'));
  }

  stats(): { accepted: number; refused: number; active: number } {
    return { ...this.counters, active: this.open.size };
  }

  /** Stops listening; connections not yet accepted are reset, accepted ones stay open. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.network.unregister(this.id);
      this.queue.end();
      for (let s = this.queue.tryTake(); s; s = this.queue.tryTake()) s.destroy();
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Datagrams are not for listeners: a TCP address never receives one. */
  arrive(): void {}

  /** A connection request arrived from `client`: the server's end of it, or why it is refused. */
  offer(client: InetAddress): SimMessageStream | TooManyConnectionsError {
    if (this.closed || this.open.size >= this.maxConnections) {
      this.counters.refused++;
      return new TooManyConnectionsError(`${formatAddress(this.address)} serves its maximum of ${this.maxConnections} connections`, { limit: this.maxConnections });
    }
    const stream = new SimMessageStream(this.network, this.address, client, this.options, -1);
    stream.onFinished = () => this.open.delete(stream);
    this.counters.accepted++;
    this.open.add(stream);
    this.queue.push(stream);
    return stream;
  }
}

// The client's port, held while its connection lives; it receives no datagrams.
const PORT_HOLDER: SimReceiver = { arrive: () => undefined };

/** Connects over the simulated network; see `SimNetwork.connect`. */
export function simConnect(network: SimNetwork, address: AddressLike, options: SimConnectOptions): Promise<SimMessageStream> {
  const target = parseInetAddress(address, 'tcp');
  const text = formatAddress(target);
  const clock = network.clock;
  const { id: reservation, address: local } = network.register({ transport: 'tcp', host: options.from, port: 0 }, PORT_HOLDER);
  const a = network.hostId(options.from);
  const b = network.hostId(target.host);
  const there = network.links.id(a, b);
  const back = network.links.id(b, a);
  const giveUpAfter = options.breakTimeout ?? SIM_STREAM_DEFAULTS.breakTimeout;
  const retry = options.retransmitInterval ?? SIM_STREAM_DEFAULTS.retransmitInterval;
  const started = clock.now();
  return boundedWait<SimMessageStream>(
    (settler) => {
      let withdrawn = false;
      let cancel: () => void = () => undefined;
      let client: SimMessageStream | undefined;
      let resolved = false;
      const fail = (err: Error) => {
        network.unregister(reservation);
        settler.reject(err);
      };
      const syn = () => {
        cancel = clock.setTimer(() => {
          if (withdrawn) return;
          if (network.separated(a, b)) {
            if (clock.now() - started >= giveUpAfter) return fail(new TimeoutError(`connect to ${text} timed out: no route for ${giveUpAfter} ms`, { address: text }));
            cancel = clock.setTimer(syn, retry);
            return;
          }
          const id = network.resolve(target, 'tcp');
          const listener = id >= 0 ? network.receiverOf(id) : undefined;
          const answer = listener instanceof SimListener ? listener.offer(local) : new ConnectionRefusedError(`nothing is listening at ${text}`, { address: text });
          if (answer instanceof SimMessageStream) {
            client = new SimMessageStream(network, local, target, options, reservation);
            client.peer = answer;
            answer.peer = client;
          }
          cancel = clock.setTimer(() => {
            if (answer instanceof Error) return fail(answer);
            if (withdrawn) return;
            resolved = true;
            settler.resolve(client!);
          }, network.links.sampleLatency(back, b, a));
        }, network.links.sampleLatency(there, a, b));
      };
      syn();
      return () => {
        withdrawn = true;
        cancel();
        if (resolved) return;
        // Given up after the server accepted: its end sees a reset, as with a real connect abandoned late.
        if (client) client.destroy();
        else network.unregister(reservation);
      };
    },
    options,
    clock,
    `connect to ${text}`,
  );
}
