// A process for the namespace comparison with pimd, run inside a test host (`ip netns exec NS node --import
// tsx host.ts OPTIONS_JSON`). It speaks the protocol of fixtures/peer.ts (one JSON command per line in, one
// JSON event per line out, {"event":"ready"} first, {"event":"ok","op":…} after each command) in two modes:
//   {"mode":"ip","host":H,"port":P}: an IP multicast endpoint;
//     {"op":"join","group":G} · {"op":"send","to":"udp://G:P","count":N,"intervalMs":I,"start"?:S}
//   {"mode":"alm","host":H,"port":P,"rp":NAME,"name":NAME,"bootstrap"?:A}: an overlay node and ALM endpoint
//     whose id comes from NAME (so the RP is named); every ALM event is reported.
//     {"op":"join","group":G} · {"op":"send","group":G,"count":N,"intervalMs":I}
// Every packet that arrives: {"event":"packet","seq":N,"delayUs":D} (D from the sender's monotonic clock,
// which is the machine's: all hosts are namespaces of one kernel). {"op":"stats"} -> {"event":"stats",…}.
import { createInterface } from 'node:readline';
import { bindUdp } from '../../../src/net/udp.ts';
import { OverlayNode } from '../../../src/overlay/node.ts';
import { idFromKey } from '../../../src/overlay/id.ts';
import { isCourierError } from '../../../src/errors.ts';
import { openMulticast } from '../../../src/multicast/index.ts';
import { AlmEndpoint, scaledTimers } from '../../../src/multicast/alm/index.ts';

interface Options {
  readonly mode: 'ip' | 'alm';
  readonly host: string;
  readonly port: number;
  readonly name?: string;
  readonly rp?: string;
  readonly bootstrap?: string;
}
interface Command {
  readonly op: string;
  readonly group?: string;
  readonly to?: string;
  readonly count?: number;
  readonly intervalMs?: number;
  readonly ttl?: number;
  readonly bootstrap?: string;
  /** First sequence number of a send (default 1). */
  readonly start?: number;
}

const emit = (event: Record<string, unknown>) => process.stdout.write(JSON.stringify(event) + '\n');
const o = JSON.parse(process.argv[2] ?? '{}') as Options;
const now = () => process.hrtime.bigint();

// Payload: sequence number (u32) and the send time (u64 ns of the monotonic clock), then padding.
function frame(seq: number): Uint8Array {
  const b = Buffer.alloc(200);
  b.writeUInt32BE(seq, 0);
  b.writeBigUInt64BE(now(), 4);
  return b;
}
function arrived(data: Uint8Array): void {
  const b = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (b.length < 12) return;
  emit({ event: 'packet', seq: b.readUInt32BE(0), delayUs: Number((now() - b.readBigUInt64BE(4)) / 1000n) });
}

let obey: (c: Command) => Promise<void>;
if (o.mode === 'ip') {
  const endpoint = await openMulticast({ port: o.port, host: o.host, interface: o.host, ttl: 16 });
  void (async () => {
    for await (const d of endpoint) arrived(d.data);
  })();
  obey = async (c) => {
    if (c.op === 'join') await endpoint.join(c.group!);
    else if (c.op === 'send') {
      for (let i = c.start ?? 1; i < (c.start ?? 1) + (c.count ?? 1); i++) {
        await endpoint.send(frame(i), c.to!);
        await new Promise((r) => setTimeout(r, c.intervalMs ?? 10));
      }
    } else if (c.op === 'stats') emit({ event: 'stats', stats: endpoint.stats() });
    else throw new Error(`unknown op ${c.op}`);
  };
} else {
  const node = new OverlayNode(await bindUdp(`udp://${o.host}:${o.port}`), { id: idFromKey(o.name!), maxRequestsPerSourcePerSecond: 5000, rpcTimeoutMs: 500 });
  const alm = new AlmEndpoint(node, { ...scaledTimers(2000), rp: () => idFromKey(o.rp!) });
  alm.on((e) => emit({ event: 'alm', type: e.type, node: e.node, source: e.source, neighbor: e.neighbor }));
  alm.onReadable(() => {
    for (let d = alm.tryReceive(); d; d = alm.tryReceive()) arrived(d.data);
  });
  obey = async (c) => {
    if (c.op === 'bootstrap') {
      await node.join([c.bootstrap!]);
      await node.findNode(node.id);
    } else if (c.op === 'join') await alm.join(c.group!);
    else if (c.op === 'send') {
      for (let i = c.start ?? 1; i < (c.start ?? 1) + (c.count ?? 1); i++) {
        await alm.send(frame(i), c.group!);
        await new Promise((r) => setTimeout(r, c.intervalMs ?? 10));
      }
    } else if (c.op === 'stats') emit({ event: 'stats', stats: alm.stats(), table: node.table.size });
    else throw new Error(`unknown op ${c.op}`);
  };
}
emit({ event: 'ready' });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const c = JSON.parse(line) as Command;
  try {
    await obey(c);
    if (c.op !== 'stats') emit({ event: 'ok', op: c.op });
  } catch (err) {
    emit({ event: 'error', code: isCourierError(err) ? err.code : 'ERR', message: String(err) });
  }
}
process.exit(0);
