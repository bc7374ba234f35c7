// courier's side of the network benchmark: MessageStream over TCP and UdpEndpoint, used the way the docs
// show (await send, for await over received messages, await receive for replies).
import { isCourierError } from '../../src/errors.ts';
import { bindUdp, connect, listen, type Datagram, type InetAddress, type MessageStream, type Selectable, type UdpEndpoint } from '../../src/net/index.ts';
import {
  creditOf,
  type Meter,
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
const udpOptions = { socketReceiveBuffer: UDP_SOCKET_BUFFER, socketSendBuffer: UDP_SOCKET_BUFFER };

function tcpPort(address: { transport: string; port?: number }): number {
  if (address.port === undefined) throw new Error('listener has no TCP port');
  return address.port;
}

/** Resolves once `endpoint` has something to take (a message, end-of-stream or a failure). */
function readable(endpoint: Selectable): Promise<void> {
  return new Promise((resolve) => {
    if (endpoint.readable) return resolve();
    const off = endpoint.onReadable(() => {
      off();
      resolve();
    });
  });
}

/** Takes every message with the polling API: tryReceive until nothing is ready, then wait for readiness. */
async function drainPolled(stream: MessageStream, meter: Meter): Promise<void> {
  for (;;) {
    for (let m = stream.tryReceive(); m !== undefined; m = stream.tryReceive()) {
      if (m === null) return;
      meter.hit(m.length);
    }
    await readable(stream);
  }
}

async function tcpSink({ meter, polled }: SinkOptions): Promise<Server> {
  const listener = await listen(`tcp://${HOST}:0`);
  const done = (async (): Promise<Result> => {
    const stream = await listener.accept({ timeout: 10_000 });
    await listener.close();
    if (polled) await drainPolled(stream, meter);
    else for await (const message of stream) meter.hit(message.length);
    await stream.close();
    if (!meter.finished) throw new Error('the sender ended before the measuring window closed');
    return meter.done;
  })();
  return { port: tcpPort(listener.address), done };
}

async function tcpSource({ port, size, deadline }: SourceOptions): Promise<Result> {
  const stream = await connect(`tcp://${HOST}:${port}`, { timeout: 5000 });
  const message = payload(size);
  let messages = 0;
  while (!deadline.reached()) {
    await stream.send(message);
    messages++;
  }
  await stream.close();
  return { type: 'sent', messages };
}

async function tcpEcho(signal: AbortSignal): Promise<Server> {
  const listener = await listen(`tcp://${HOST}:0`);
  const done = (async (): Promise<Result> => {
    const stream = await listener.accept({ signal });
    await listener.close();
    signal.addEventListener('abort', () => stream.destroy(), { once: true });
    for await (const message of stream) await stream.send(message);
    await stream.close();
    return { type: 'none' };
  })();
  return { port: tcpPort(listener.address), done };
}

async function tcpPing(o: PingOptions): Promise<Result> {
  const stream = await connect(`tcp://${HOST}:${o.port}`, { timeout: 5000 });
  const message = payload(o.size);
  const result = await sampleRoundTrips(o, async () => {
    await stream.send(message);
    const reply = await stream.receive();
    if (reply?.length !== o.size) throw new Error('echo server sent no reply or a wrong one');
  });
  await stream.close();
  return result;
}

async function udpSink({ meter, polled }: SinkOptions): Promise<Server> {
  const endpoint = await bindUdp(`udp://${HOST}:0`, udpOptions);
  const credit = Buffer.alloc(4);
  // Counts a datagram; every UDP_CREDIT_EVERY, returns the credit's send to await (undefined otherwise, so
  // the common case costs no promise).
  const take = (datagram: Datagram): Promise<void> | undefined => {
    meter.hit(datagram.data.length);
    if (meter.messages % UDP_CREDIT_EVERY !== 0) return undefined;
    credit.writeUInt32BE(meter.messages >>> 0);
    return endpoint.send(credit, datagram.from);
  };
  // The window closing ends the loops below even if the sender has gone quiet.
  void meter.done.then(() => endpoint.close());
  const done = (async (): Promise<Result> => {
    if (polled) {
      while (!meter.finished) {
        for (let d = endpoint.tryReceive(); d; d = endpoint.tryReceive()) {
          const sending = take(d);
          if (sending) await sending;
        }
        await readable(endpoint);
      }
    } else {
      for await (const datagram of endpoint) {
        const sending = take(datagram);
        if (sending) await sending;
      }
    }
    return meter.done;
  })();
  return { port: endpoint.address.port, done };
}

/** Reads every queued credit; returns the highest count a receiver reported, or `credited` if none came. */
function readCredits(endpoint: UdpEndpoint, credited: number): number {
  for (let d = endpoint.tryReceive(); d; d = endpoint.tryReceive()) credited = Math.max(credited, creditOf(d.data));
  return credited;
}

async function udpSource({ port, size, deadline }: SourceOptions): Promise<Result> {
  const endpoint = await bindUdp(`udp://${HOST}:0`, udpOptions);
  const to: InetAddress = { transport: 'udp', host: HOST, port };
  const message = payload(size);
  let sent = 0;
  let credited = 0;
  let forgiven = 0;
  while (!deadline.reached()) {
    if (sent - credited - forgiven >= UDP_WINDOW) {
      credited = readCredits(endpoint, credited);
      if (sent - credited - forgiven < UDP_WINDOW) continue;
      try {
        const d = await endpoint.receive({ timeout: UDP_STALL_MS });
        credited = readCredits(endpoint, Math.max(credited, creditOf(d.data)));
      } catch (err) {
        if (!isCourierError(err, 'ERR_TIMEOUT')) throw err;
        forgiven = sent - credited; // what is outstanding after a stall was lost
      }
      continue;
    }
    await endpoint.send(message, to);
    sent++;
  }
  await endpoint.close();
  return { type: 'sent', messages: sent };
}

async function udpEcho(signal: AbortSignal): Promise<Server> {
  const endpoint = await bindUdp(`udp://${HOST}:0`, udpOptions);
  signal.addEventListener('abort', () => void endpoint.close(), { once: true });
  const done = (async (): Promise<Result> => {
    for await (const datagram of endpoint) await endpoint.send(datagram.data, datagram.from);
    return { type: 'none' };
  })();
  return { port: endpoint.address.port, done };
}

async function udpPing(o: PingOptions): Promise<Result> {
  const endpoint = await bindUdp(`udp://${HOST}:0`, udpOptions);
  const to: InetAddress = { transport: 'udp', host: HOST, port: o.port };
  const message = payload(o.size);
  const result = await sampleRoundTrips(o, async () => {
    await endpoint.send(message, to);
    const reply = await endpoint.receive();
    if (reply.data.length !== o.size) throw new Error('echo server sent a wrong reply');
  });
  await endpoint.close();
  return result;
}

export const impl: Impl = { tcpSink, tcpSource, tcpEcho, tcpPing, udpSink, udpSource, udpEcho, udpPing };
