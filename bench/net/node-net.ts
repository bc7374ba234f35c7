// The raw-socket peer: node:net with hand-written framing (u32 big-endian length, then the body) and the
// same batching courier does: small messages copied into one buffer written once per tick or at 64 KiB,
// large ones written as they are, and a sender that waits while more than 1 MiB is buffered. No
// acknowledgements, no queue, no promise per message: the fastest honest way to carry messages over TCP.
import net from 'node:net';
import { COPY_LIMIT, FLUSH_BYTES, payload, sampleRoundTrips, SEND_HWM, type Impl, type PingOptions, type Result, type Server, type SinkOptions, type SourceOptions } from './common.ts';

const HOST = '127.0.0.1';
const HEADER = 4;
const SLAB_BYTES = 256 * 1024;

/** Batches frames into a slab; `onDrain` runs once buffered bytes fall back to the high-water mark. */
class BatchedWriter {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private start = 0;
  private end = 0;
  private scheduled = false;
  onDrain: (() => void) | undefined;

  constructor(private readonly socket: net.Socket) {}

  /** Queues one message; false when the caller should wait for `onDrain` before sending more. */
  send(message: Buffer): boolean {
    const length = message.length;
    if (SLAB_BYTES - this.end < HEADER + Math.min(length, COPY_LIMIT)) this.flush(true);
    this.slab.writeUInt32BE(length, this.end);
    this.end += HEADER;
    if (length <= COPY_LIMIT) {
      message.copy(this.slab, this.end);
      this.end += length;
      if (this.end - this.start >= FLUSH_BYTES) this.flush(false);
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.tick);
      }
    } else {
      this.flush(false);
      this.socket.write(message, this.written);
    }
    return this.socket.writableLength <= SEND_HWM;
  }

  private readonly tick = () => {
    this.scheduled = false;
    this.flush(false);
  };

  flush(fresh: boolean): void {
    if (this.end > this.start) {
      this.socket.write(this.slab.subarray(this.start, this.end), this.written);
      this.start = this.end;
    }
    if (fresh || SLAB_BYTES - this.end < 64) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.start = this.end = 0;
    }
  }

  private readonly written = () => {
    const resume = this.onDrain;
    if (resume && this.socket.writableLength <= SEND_HWM) {
      this.onDrain = undefined;
      resume();
    }
  };
}

/** Reassembles length-prefixed messages: views of the chunk when a message lies within it, one copy otherwise. */
class FrameReader {
  private header = Buffer.alloc(HEADER);
  private headerFilled = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;

  constructor(private readonly onMessage: (message: Buffer) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.body) {
        const n = Math.min(this.body.length - this.bodyFilled, end - offset);
        chunk.copy(this.body, this.bodyFilled, offset, offset + n);
        this.bodyFilled += n;
        offset += n;
        if (this.bodyFilled === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.onMessage(body);
        }
        continue;
      }
      let length: number;
      if (this.headerFilled === 0 && end - offset >= HEADER) {
        length = chunk.readUInt32BE(offset);
        offset += HEADER;
      } else {
        const n = Math.min(HEADER - this.headerFilled, end - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + n);
        this.headerFilled += n;
        offset += n;
        if (this.headerFilled < HEADER) return;
        this.headerFilled = 0;
        length = this.header.readUInt32BE(0);
      }
      if (end - offset >= length) {
        this.onMessage(chunk.subarray(offset, offset + length));
        offset += length;
      } else {
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
      }
    }
  }
}

/** Listens on an ephemeral port and hands the first connection to `onSocket`. */
async function serveOne(onSocket: (socket: net.Socket) => Promise<Result>): Promise<Server> {
  const server = net.createServer({ noDelay: true });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const done = new Promise<net.Socket>((resolve) => server.once('connection', resolve)).then((socket) => {
    server.close();
    return onSocket(socket);
  });
  return { port: address.port, done };
}

async function dial(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: HOST, port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));
}

async function tcpSink({ meter }: SinkOptions): Promise<Server> {
  return serveOne(async (socket) => {
    const reader = new FrameReader((m) => meter.hit(m.length));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => socket.end());
    await closed(socket);
    if (!meter.finished) throw new Error('the sender ended before the measuring window closed');
    return meter.done;
  });
}

async function tcpSource({ port, size, deadline }: SourceOptions): Promise<Result> {
  const socket = await dial(port);
  socket.resume(); // nothing comes back, but a paused socket would never see the peer's FIN
  const writer = new BatchedWriter(socket);
  const message = payload(size);
  let messages = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (!deadline.reached()) {
        messages++;
        if (!writer.send(message)) {
          writer.onDrain = pump;
          return;
        }
      }
      resolve();
    };
    pump();
  });
  writer.flush(false);
  socket.end();
  await closed(socket);
  return { type: 'sent', messages };
}

async function tcpEcho(signal: AbortSignal): Promise<Server> {
  return serveOne(async (socket) => {
    const writer = new BatchedWriter(socket);
    const reader = new FrameReader((m) => writer.send(m));
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.on('end', () => socket.end());
    signal.addEventListener('abort', () => socket.destroy(), { once: true });
    await closed(socket);
    return { type: 'none' };
  });
}

async function tcpPing(o: PingOptions): Promise<Result> {
  const socket = await dial(o.port);
  const writer = new BatchedWriter(socket);
  let waiter: ((m: Buffer) => void) | undefined;
  const reader = new FrameReader((m) => {
    const w = waiter;
    waiter = undefined;
    w?.(m);
  });
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  const message = payload(o.size);
  const result = await sampleRoundTrips(o, async () => {
    const reply = new Promise<Buffer>((resolve) => (waiter = resolve));
    writer.send(message);
    if ((await reply).length !== o.size) throw new Error('echo server sent a wrong reply');
  });
  socket.end();
  await closed(socket);
  return result;
}

export const impl: Impl = { tcpSink, tcpSource, tcpEcho, tcpPing };
