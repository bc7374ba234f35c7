// The ZeroMQ peer (the `zeromq` package, libzmq underneath): PUSH/PULL for one-way throughput and
// REQ/REP for round trips, over tcp://127.0.0.1, with the library's defaults (high-water mark 1000).
import * as zmq from 'zeromq';
import { payload, sampleRoundTrips, type Impl, type PingOptions, type Result, type Server, type SinkOptions, type SourceOptions } from './common.ts';

function portOf(socket: zmq.Socket): number {
  const port = Number(/:(\d+)$/.exec(socket.lastEndpoint ?? '')?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no port in ${socket.lastEndpoint}`);
  return port;
}

/** Closes without waiting for unsent messages: the measurement is over. */
function dispose(socket: zmq.Socket): void {
  socket.linger = 0;
  socket.close();
}

async function tcpSink({ meter }: SinkOptions): Promise<Server> {
  const pull = new zmq.Pull();
  await pull.bind('tcp://127.0.0.1:*');
  const done = (async (): Promise<Result> => {
    // PULL has no end-of-stream: the window closing ends the receiving.
    void meter.done.then(() => dispose(pull));
    try {
      for (;;) {
        const [message] = await pull.receive();
        meter.hit(message?.length ?? 0);
      }
    } catch (err) {
      if (!meter.finished) throw err;
      // Closing the socket rejects the pending receive: that is how this loop ends.
    }
    return meter.done;
  })();
  return { port: portOf(pull), done };
}

async function tcpSource({ port, size, deadline, signal }: SourceOptions): Promise<Result> {
  const push = new zmq.Push();
  push.connect(`tcp://127.0.0.1:${port}`);
  // Once the receiver stopped, a send blocked at the high-water mark would wait forever: closing ends it.
  signal.addEventListener('abort', () => dispose(push), { once: true });
  const message = payload(size);
  let messages = 0;
  try {
    while (!deadline.reached()) {
      await push.send(message);
      messages++;
    }
  } catch (err) {
    if (!signal.aborted) throw err;
    // Closed on cancellation while a send waited: the run is over.
  }
  if (!push.closed) dispose(push);
  return { type: 'sent', messages };
}

async function tcpEcho(signal: AbortSignal): Promise<Server> {
  const rep = new zmq.Reply();
  await rep.bind('tcp://127.0.0.1:*');
  signal.addEventListener('abort', () => dispose(rep), { once: true });
  const done = (async (): Promise<Result> => {
    try {
      for (;;) {
        const [message] = await rep.receive();
        await rep.send(message ?? Buffer.alloc(0));
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      // Closing on cancellation rejects the pending receive: that is how this loop ends.
    }
    return { type: 'none' };
  })();
  return { port: portOf(rep), done };
}

async function tcpPing(o: PingOptions): Promise<Result> {
  const req = new zmq.Request();
  req.connect(`tcp://127.0.0.1:${o.port}`);
  const message = payload(o.size);
  const result = await sampleRoundTrips(o, async () => {
    await req.send(message);
    const [reply] = await req.receive();
    if (reply?.length !== o.size) throw new Error('echo server sent a wrong reply');
  });
  dispose(req);
  return result;
}

export const impl: Impl = { tcpSink, tcpSource, tcpEcho, tcpPing };
