import net from 'node:net';
import { AddressInUseError, InvalidAddressError } from '../../errors.ts';
import { formatAddress, type InetAddress } from '../address.ts';
import type { Clock } from '../clock.ts';
import { Prng } from '../prng.ts';
import { CHAOS_DEFAULTS, resolveFaults, type ChaosFaults, type ChaosOptions, type ResolvedFaults } from './options.ts';
import { newDirectionStats, type ChaosStats, type MutableDirectionStats } from './stats.ts';

interface Chunk {
  readonly data: Buffer;
  readonly at: number;
}

// The shared state of one proxied connection: its byte budget before a cut, and when a stall ends.
interface Connection {
  forwarded: number;
  stalledUntil: number;
  cut: boolean;
  readonly cancels: (() => void)[];
  readonly pipes: Pipe[];
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/**
 * One direction of a proxied connection: bytes read from `from` are written to `to` after the delay,
 * jitter and bandwidth say, in order, at most `maxBuffered` bytes held (reading pauses past it).
 */
class Pipe {
  private readonly chunks: Chunk[] = [];
  private bufferedBytes = 0;
  private lastAt = 0;
  private busyUntil = 0;
  private cancelTimer: (() => void) | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private sourceEnded = false;
  private pausedForBuffer = false;

  constructor(
    private readonly proxy: TcpChaosProxy,
    private readonly conn: Connection,
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly stats: MutableDirectionStats,
    private readonly maxBuffered: number,
  ) {
    from.on('data', (data: Buffer) => this.push(data));
    from.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
    to.on('drain', () => {
      if (!this.pausedForBuffer) from.resume();
    });
  }

  private push(data: Buffer): void {
    const { faults, clock, random } = this.proxy;
    this.stats.received++;
    this.stats.bytesReceived += data.length;
    const now = clock.now();
    let departs = now;
    if (faults.bandwidth > 0) {
      departs = Math.max(now, this.busyUntil) + (data.length * 1000) / faults.bandwidth;
      this.busyUntil = departs;
    }
    let at = departs + faults.delay + (faults.jitter > 0 ? random.uniform(0, faults.jitter) : 0);
    if (at < this.lastAt) at = this.lastAt; // a byte stream stays in order whatever the jitter
    this.lastAt = at;
    this.chunks.push({ data, at });
    this.bufferedBytes += data.length;
    if (this.bufferedBytes > this.maxBuffered && !this.pausedForBuffer) {
      this.pausedForBuffer = true;
      this.from.pause();
    }
    this.pump();
  }

  /** Writes every chunk that is due, then sets a timer for the next one. */
  pump(): void {
    if (this.conn.cut) return;
    const { clock } = this.proxy;
    const now = clock.now();
    while (this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const due = Math.max(head.at, this.conn.stalledUntil);
      if (due > now) return this.wakeAt(due);
      this.chunks.shift();
      this.bufferedBytes -= head.data.length;
      if (!this.write(head.data)) return;
    }
    if (this.pausedForBuffer && this.bufferedBytes <= this.maxBuffered / 2) {
      this.pausedForBuffer = false;
      this.from.resume();
    }
    if (this.sourceEnded && this.chunks.length === 0 && !this.to.writableEnded) this.to.end();
  }

  // Writes one chunk, stopping at the cut budget; returns false once the connection was cut.
  private write(data: Buffer): boolean {
    const budget = this.proxy.faults.cutAfterBytes;
    let chunk = data;
    if (budget > 0 && this.conn.forwarded + chunk.length >= budget) chunk = chunk.subarray(0, budget - this.conn.forwarded);
    if (chunk.length > 0) {
      this.conn.forwarded += chunk.length;
      this.stats.forwarded++;
      this.stats.bytesForwarded += chunk.length;
      if (!this.to.write(chunk)) this.from.pause();
    }
    if (budget > 0 && this.conn.forwarded >= budget) {
      // Let the bytes within the budget reach the peer, then reset both sides.
      this.to.write(Buffer.alloc(0), () => this.proxy.cut(this.conn));
      this.conn.cut = true;
      return false;
    }
    return true;
  }

  private wakeAt(due: number): void {
    if (this.cancelTimer && this.timerAt <= due) return;
    this.cancelTimer?.();
    this.timerAt = due;
    this.cancelTimer = this.proxy.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.pump();
    }, due - this.proxy.clock.now());
  }

  /** Stops the timer; chunks still held are discarded. */
  dispose(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.chunks.length = 0;
  }
}

/**
 * Forwards TCP connections to a target with faults at the byte-stream level (it knows nothing of the
 * protocol inside): delay and jitter (bytes stay in order), a bandwidth limit, periodic stalls, and
 * cutting a connection (a reset both ways) after N bytes or after a time.
 */
export class TcpChaosProxy {
  readonly address: InetAddress;
  readonly target: InetAddress;
  /** The faults in force (read by the pipes). */
  faults: ResolvedFaults;
  readonly random: Prng;
  private readonly up = newDirectionStats();
  private readonly down = newDirectionStats();
  private readonly open = new Set<Connection>();
  private readonly counts = { connections: 0, refused: 0, cuts: 0, stalls: 0 };
  private readonly maxBuffered: number;
  private readonly maxConnections: number;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: net.Server,
    target: InetAddress,
    options: ChaosOptions,
    readonly clock: Clock,
  ) {
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new InvalidAddressError('the chaos proxy did not bind a TCP port');
    this.address = { transport: 'tcp', host: bound.address, port: bound.port };
    this.target = target;
    this.faults = resolveFaults(options);
    this.random = new Prng(options.seed ?? CHAOS_DEFAULTS.seed);
    this.maxBuffered = options.maxBufferedBytes ?? CHAOS_DEFAULTS.maxBufferedBytes;
    this.maxConnections = options.maxConnections ?? CHAOS_DEFAULTS.maxConnections;
    server.on('connection', (socket) => this.onConnection(socket));
  }

  /** Starts listening. ERR_ADDRESS_IN_USE when the address is taken. */
  static async start(listen: InetAddress, target: InetAddress, options: ChaosOptions, clock: Clock): Promise<TcpChaosProxy> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const text = formatAddress(listen);
        if (err.code === 'EADDRINUSE') reject(new AddressInUseError(`${text} is already in use`, { address: text }, { cause: err }));
        else reject(new InvalidAddressError(`cannot listen on ${text}: ${err.message}`, { address: text }));
      });
      server.listen({ host: listen.host, port: listen.port }, resolve);
    });
    return new TcpChaosProxy(server, target, options, clock);
  }

  /** Changes the faults from now on (bytes already scheduled keep their time). */
  update(faults: ChaosFaults): void {
    this.faults = resolveFaults(faults, this.faults);
  }

  stats(): ChaosStats {
    return {
      transport: 'tcp',
      upstream: { ...this.up },
      downstream: { ...this.down },
      clients: 0,
      evicted: 0,
      held: 0,
      connections: this.counts.connections,
      active: this.open.size,
      refused: this.counts.refused,
      cuts: this.counts.cuts,
      stalls: this.counts.stalls,
    };
  }

  /** Stops listening and resets every proxied connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const conn of this.open) this.teardown(conn, true);
      this.server.close(() => resolve());
    });
    return this.closing;
  }

  /** Resets both sides of a connection on purpose (a cut) and counts it. */
  cut(conn: Connection): void {
    if (!this.open.has(conn)) return;
    this.counts.cuts++;
    this.teardown(conn, true);
  }

  private onConnection(client: net.Socket): void {
    if (this.closing || this.open.size >= this.maxConnections) {
      this.counts.refused++;
      client.resetAndDestroy();
      return;
    }
    this.counts.connections++;
    client.setNoDelay(true);
    client.pause();
    const upstream = net.connect({ host: this.target.host, port: this.target.port, noDelay: true, allowHalfOpen: true });
    const conn: Connection = { forwarded: 0, stalledUntil: 0, cut: false, cancels: [], pipes: [], client, upstream };
    this.open.add(conn);
    conn.pipes.push(new Pipe(this, conn, client, upstream, this.up, this.maxBuffered));
    conn.pipes.push(new Pipe(this, conn, upstream, client, this.down, this.maxBuffered));
    upstream.once('connect', () => client.resume());
    // The target refusing, or either side failing, resets the other: the proxy never hides a failure.
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.counts.refused++;
      this.teardown(conn, true);
    });
    client.on('error', () => this.teardown(conn, true));
    const closed = () => {
      if (client.destroyed && upstream.destroyed) this.teardown(conn, false);
    };
    client.on('close', closed);
    upstream.on('close', closed);
    const f = this.faults;
    if (f.cutAfter > 0) conn.cancels.push(this.clock.setTimer(() => this.cut(conn), f.cutAfter));
    if (f.stallEvery > 0 && f.stallFor > 0) this.scheduleStall(conn, f.stallEvery, f.stallFor);
  }

  private scheduleStall(conn: Connection, every: number, length: number): void {
    conn.cancels.push(
      this.clock.setTimer(() => {
        if (!this.open.has(conn)) return;
        this.counts.stalls++;
        conn.stalledUntil = this.clock.now() + length;
        for (const pipe of conn.pipes) pipe.pump();
        this.scheduleStall(conn, every, length);
      }, every),
    );
  }

  private teardown(conn: Connection, reset: boolean): void {
    if (!this.open.delete(conn)) return;
    conn.cut = true;
    for (const cancel of conn.cancels) cancel();
    for (const pipe of conn.pipes) pipe.dispose();
    for (const socket of [conn.client, conn.upstream]) {
      if (socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
  }
}
