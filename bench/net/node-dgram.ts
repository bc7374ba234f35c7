// The raw UDP peer: node:dgram sockets, unconnected like courier's endpoints (send to any address,
// receive from any sender), with the same kernel buffer sizes and the same credit window on the sender.
import dgram from 'node:dgram';
import {
  creditOf,
  payload,
  sampleRoundTrips,
  UDP_CREDIT_EVERY,
  UDP_SOCKET_BUFFER,
  UDP_STALL_MS,
  UDP_WINDOW,
  type Impl,
  type PingOptions,
  type Result,
  type Server,
  type SinkOptions,
  type SourceOptions,
} from './common.ts';

const HOST = '127.0.0.1';

async function bound(): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: UDP_SOCKET_BUFFER, sendBufferSize: UDP_SOCKET_BUFFER });
  await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
  return socket;
}

function close(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

async function udpSink({ meter }: SinkOptions): Promise<Server> {
  const socket = await bound();
  const credit = Buffer.alloc(4);
  socket.on('message', (message, from) => {
    meter.hit(message.length);
    if (meter.messages % UDP_CREDIT_EVERY === 0) {
      credit.writeUInt32BE(meter.messages >>> 0);
      socket.send(credit, from.port, from.address);
    }
  });
  const done = meter.done.then(async (result) => {
    await close(socket);
    return result;
  });
  return { port: socket.address().port, done };
}

async function udpSource({ port, size, deadline }: SourceOptions): Promise<Result> {
  const socket = await bound();
  const message = payload(size);
  let sent = 0;
  let credited = 0;
  let forgiven = 0;
  await new Promise<void>((resolve) => {
    let stall: NodeJS.Timeout | undefined;
    const pump = () => {
      while (!deadline.reached()) {
        if (sent - credited - forgiven >= UDP_WINDOW) {
          stall ??= setTimeout(() => {
            stall = undefined;
            forgiven = sent - credited; // what is outstanding after a stall was lost
            pump();
          }, UDP_STALL_MS);
          return;
        }
        socket.send(message, port, HOST);
        sent++;
      }
      clearTimeout(stall);
      resolve();
    };
    socket.on('message', (m) => {
      credited = Math.max(credited, creditOf(m));
      if (stall && sent - credited - forgiven < UDP_WINDOW) {
        clearTimeout(stall);
        stall = undefined;
        pump();
      }
    });
    pump();
  });
  await close(socket);
  return { type: 'sent', messages: sent };
}

async function udpEcho(signal: AbortSignal): Promise<Server> {
  const socket = await bound();
  socket.on('message', (message, from) => socket.send(message, from.port, from.address));
  const done = new Promise<Result>((resolve) => signal.addEventListener('abort', () => socket.close(() => resolve({ type: 'none' })), { once: true }));
  return { port: socket.address().port, done };
}

async function udpPing(o: PingOptions): Promise<Result> {
  const socket = await bound();
  const message = payload(o.size);
  let waiter: ((m: Buffer) => void) | undefined;
  socket.on('message', (m) => {
    const w = waiter;
    waiter = undefined;
    w?.(m);
  });
  const result = await sampleRoundTrips(o, async () => {
    const reply = new Promise<Buffer>((resolve) => (waiter = resolve));
    socket.send(message, o.port, HOST);
    if ((await reply).length !== o.size) throw new Error('echo server sent a wrong reply');
  });
  await close(socket);
  return result;
}

export const impl: Impl = { udpSink, udpSource, udpEcho, udpPing };
