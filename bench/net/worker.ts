// A benchmark worker: one process per implementation and role, forked by bench/net.ts, which carries out
// the parent's orders (start a sink or an echo server, run a source or a round-trip client) and reports
// each order's port and result over the IPC channel. Usage: worker.ts IMPL (courier | node-net | zeromq | node-dgram).
import { Deadline, Meter, type FromWorker, type Impl, type Order, type Result, type Server, type ToWorker } from './common.ts';

const name = process.argv[2] ?? '';
const modules: Record<string, () => Promise<{ impl: Impl }>> = {
  courier: () => import('./courier.ts'),
  'node-net': () => import('./node-net.ts'),
  zeromq: () => import('./zeromq.ts'),
  'node-dgram': () => import('./node-dgram.ts'),
};
const load = modules[name];
if (!load || !process.send) {
  console.error(`worker: unknown implementation '${name}' or no IPC channel (run it through bench/net.ts)`);
  process.exit(2);
}
const { impl } = await load();
const cancels = new Map<number, AbortController>();

function reply(message: FromWorker): void {
  process.send?.(message);
}

function missing(op: string): never {
  throw new Error(`${name} has no ${op}`);
}

async function serve(id: number, start: Promise<Server>): Promise<Result> {
  const server = await start;
  reply({ id, kind: 'ready', port: server.port });
  return server.done;
}

async function run(id: number, order: Order, signal: AbortSignal): Promise<Result> {
  switch (order.op) {
    case 'tcp-sink':
    case 'udp-sink': {
      const sink = order.op === 'tcp-sink' ? impl.tcpSink : impl.udpSink;
      if (!sink) missing(order.op);
      const meter = new Meter(order.warmupMs, order.measureMs, (edge) => reply({ id, kind: 'window', edge }));
      return serve(id, sink({ size: order.size, meter, polled: order.polled === true }));
    }
    case 'tcp-source':
    case 'udp-source': {
      const source = order.op === 'tcp-source' ? impl.tcpSource : impl.udpSource;
      if (!source) missing(order.op);
      const deadline = new Deadline(performance.now() + order.durationMs);
      signal.addEventListener('abort', () => (deadline.stopped = true), { once: true });
      return source({ port: order.port, size: order.size, deadline, signal });
    }
    case 'tcp-echo':
    case 'udp-echo': {
      const echo = order.op === 'tcp-echo' ? impl.tcpEcho : impl.udpEcho;
      if (!echo) missing(order.op);
      return serve(id, echo(signal));
    }
    case 'tcp-ping':
    case 'udp-ping': {
      const ping = order.op === 'tcp-ping' ? impl.tcpPing : impl.udpPing;
      if (!ping) missing(order.op);
      return ping(order);
    }
  }
}

process.on('message', (message: ToWorker) => {
  if ('cancel' in message) {
    cancels.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  cancels.set(message.id, controller);
  run(message.id, message.order, controller.signal).then(
    (result) => reply({ id: message.id, kind: 'done', result }),
    (err: unknown) => reply({ id: message.id, kind: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  ).finally(() => cancels.delete(message.id));
});
reply({ id: 0, kind: 'up' });
// The parent going away (even by SIGKILL) closes the channel: nothing is left running.
process.on('disconnect', () => process.exit(0));
