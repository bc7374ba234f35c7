// Against real PIM-SM routers: the chapter's topology as network namespaces — a source host behind its
// router r1, an RP router, two receiver hosts behind their own routers r2 and r3, with point-to-point links
// so the shared tree (r1 → rp → r2/r3) and the source's tree (r1 → r2/r3) take different links — once with
// pimd routing real IP multicast, once with courier's application-level multicast on the same hosts.
// Both must deliver every packet and show the shared tree, then the source's tree: pimd's through the
// kernel's multicast routes (`ip mroute`), courier's through its events. Delays and duplicates are printed
// side by side. Skips with the reason when namespaces or pimd are not available (CI has both).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ip, namespacesUnavailable, TestNet, type Peer } from './netns.ts';

const hostScript = fileURLToPath(new URL('./alm/host.ts', import.meta.url));
const GROUP = '239.77.1.1';
const PORT = 5077;
const PACKETS = 250;
const INTERVAL_MS = 20;
/** Warm-up packets are numbered from here, apart from the counted ones. */
const WARM = 1_000_000;
const warm = { a: 0, b: 0 };

/** The chapter's topology: links are two-member switches; routes make RPF toward the source go r1-direct. */
function build(net: TestNet): void {
  for (const h of ['src', 'r1', 'rp', 'r2', 'r3', 'rcva', 'rcvb']) net.addHost(h);
  const link = (sw: string, a: [string, string, string], b: [string, string, string]) => {
    net.addSwitch(sw);
    net.connect(a[0], a[1], sw, `${sw}a`, a[2]);
    net.connect(b[0], b[1], sw, `${sw}b`, b[2]);
  };
  link('ls', ['src', 'eth0', '10.77.1.10/24'], ['r1', 'lan', '10.77.1.1/24']);
  link('l1', ['r1', 'torp', '10.77.11.1/24'], ['rp', 'tor1', '10.77.11.2/24']);
  link('l2', ['rp', 'tor2', '10.77.12.1/24'], ['r2', 'torp', '10.77.12.2/24']);
  link('l3', ['rp', 'tor3', '10.77.13.1/24'], ['r3', 'torp', '10.77.13.2/24']);
  link('l4', ['r1', 'tor2', '10.77.14.1/24'], ['r2', 'tor1', '10.77.14.2/24']);
  link('l5', ['r1', 'tor3', '10.77.15.1/24'], ['r3', 'tor1', '10.77.15.2/24']);
  link('la', ['r2', 'lan', '10.77.2.1/24'], ['rcva', 'eth0', '10.77.2.10/24']);
  link('lb', ['r3', 'lan', '10.77.3.1/24'], ['rcvb', 'eth0', '10.77.3.10/24']);
  const route = (h: string, to: string, via: string) => net.exec(h, 'ip', 'route', 'add', to, 'via', via);
  route('src', 'default', '10.77.1.1');
  route('rcva', 'default', '10.77.2.1');
  route('rcvb', 'default', '10.77.3.1');
  for (const [to, via] of [['10.77.2.0/24', '10.77.14.2'], ['10.77.3.0/24', '10.77.15.2'], ['10.77.12.0/24', '10.77.11.2'], ['10.77.13.0/24', '10.77.11.2']]) route('r1', to!, via!);
  for (const [to, via] of [['10.77.1.0/24', '10.77.11.1'], ['10.77.2.0/24', '10.77.12.2'], ['10.77.3.0/24', '10.77.13.2'], ['10.77.14.0/24', '10.77.11.1'], ['10.77.15.0/24', '10.77.11.1']]) route('rp', to!, via!);
  for (const [to, via] of [['10.77.1.0/24', '10.77.14.1'], ['10.77.11.0/24', '10.77.12.1'], ['10.77.3.0/24', '10.77.12.1'], ['10.77.13.0/24', '10.77.12.1'], ['10.77.15.0/24', '10.77.14.1']]) route('r2', to!, via!);
  for (const [to, via] of [['10.77.1.0/24', '10.77.15.1'], ['10.77.11.0/24', '10.77.13.1'], ['10.77.2.0/24', '10.77.13.1'], ['10.77.12.0/24', '10.77.13.1'], ['10.77.14.0/24', '10.77.15.1']]) route('r3', to!, via!);
  for (const r of ['r1', 'rp', 'r2', 'r3']) {
    net.exec(r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    net.exec(r, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0');
  }
}

interface Figures {
  received: number[];
  duplicates: number;
  delayUsMedian: number;
}

function figures(packets: Record<string, unknown>[]): Figures {
  const seqs = packets.map((p) => Number(p.seq));
  const delays = packets.map((p) => Number(p.delayUs)).sort((a, b) => a - b);
  return { received: [...new Set(seqs)].sort((a, b) => a - b), duplicates: seqs.length - new Set(seqs).size, delayUsMedian: delays[delays.length >> 1] ?? Number.NaN };
}

async function collect(peer: Peer, count: number, timeoutMs: number): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const end = performance.now() + timeoutMs;
  while (new Set(out.map((p) => p.seq)).size < count && performance.now() < end) {
    try {
      out.push(await peer.next((e) => e.event === 'packet', Math.max(1, end - performance.now()), 'a packet'));
    } catch {
      break;
    }
  }
  // Copies that came after the last one counted (duplicates) are taken too.
  await new Promise((r) => setTimeout(r, 300));
  out.push(...peer.drain((e) => e.event === 'packet'));
  return out;
}

const mroute = (net: TestNet, h: string) => ip('-n', net.ns(h), 'mroute', 'show').trim();

test('pimd and courier ALM on the same hosts: both deliver every packet, both go from the shared tree to the source tree', async (t) => {
  const why = namespacesUnavailable();
  if (why) {
    t.skip(`${why}; this comparison with pimd needs network namespaces`);
    return;
  }
  if (spawnSync('pimd', ['-v'], { encoding: 'utf8' }).error) {
    t.skip('pimd is not on PATH (Debian\'s pimd package conflicts with smcroute, so .ci/run unpacks its binary into /usr/local/sbin)');
    return;
  }
  const net = new TestNet();
  t.after(() => net.destroy());
  build(net);

  // ---- pimd: real PIM-SM routers, static RP on rp, switch to the SPT at the first packet (polled every 5 s) ----
  const conf = `rp-address 10.77.11.2 239.0.0.0/8\nspt-threshold packets 0 interval 5\n`;
  const logs = ['r1', 'rp', 'r2', 'r3'].map((r) => ({ r, log: net.pimd(r, conf) }));
  // pimd forms its adjacencies (Hellos) while courier's ALM runs first on the same hosts.
  // ---- courier ALM on the same hosts: an overlay node on every host, the RP named "rp" on the rp router ----
  const names = { src: '10.77.1.10', r1: '10.77.1.1', rp: '10.77.11.2', r2: '10.77.12.2', r3: '10.77.13.2', rcva: '10.77.2.10', rcvb: '10.77.3.10' } as const;
  const alm: Record<string, Peer> = Object.fromEntries(
    await Promise.all(Object.entries(names).map(async ([h, addr]) => [h, await net.spawnIn(h, hostScript, { mode: 'alm', host: addr, port: PORT + 1, name: h, rp: 'rp' })] as const)),
  );
  await Promise.all(Object.keys(names).filter((h) => h !== 'rp').map((h) => alm[h]!.command({ op: 'bootstrap', bootstrap: `udp://${names.rp}:${PORT + 1}` })));
  await alm.rcva!.command({ op: 'join', group: GROUP });
  await alm.rcvb!.command({ op: 'join', group: GROUP });
  // The RP roots the shared tree (its `rp` event) before anything is sent.
  await alm.rp!.next((e) => e.event === 'alm' && e.type === 'rp', 5000, 'the RP to root the shared tree');
  alm.src!.write({ op: 'send', group: GROUP, count: PACKETS, intervalMs: INTERVAL_MS });
  const [aa, ab] = await Promise.all([collect(alm.rcva!, PACKETS, PACKETS * INTERVAL_MS + 8000), collect(alm.rcvb!, PACKETS, PACKETS * INTERVAL_MS + 8000)]);
  const almA = figures(aa);
  const almB = figures(ab);
  const almEvents = Object.values(alm).flatMap((p) => p.drain((e) => e.event === 'alm'));
  const seen = (type: string, node?: string) => almEvents.some((e) => e.type === type && (node === undefined || String(e.node).includes(node)));

  // ---- then pimd's turn ----
  const sender = await net.spawnIn('src', hostScript, { mode: 'ip', host: '10.77.1.10', port: PORT });
  const ra = await net.spawnIn('rcva', hostScript, { mode: 'ip', host: '10.77.2.10', port: PORT });
  const rb = await net.spawnIn('rcvb', hostScript, { mode: 'ip', host: '10.77.3.10', port: PORT });
  await ra.command({ op: 'join', group: GROUP });
  await rb.command({ op: 'join', group: GROUP });
  const mrouteLog: string[] = [];
  const watch = setInterval(() => {
    for (const h of ['r1', 'rp', 'r2', 'r3']) {
      const line = `${h}: ${mroute(net, h).replace(/\s+/g, ' ')}`;
      if (line.length > h.length + 2 && !mrouteLog.includes(line)) mrouteLog.push(line);
    }
  }, 100);
  t.after(() => clearInterval(watch));
  // pimd's trees take seconds to form (Hellos, then periodic Join/Prune on a 5 s timer): warm-up packets,
  // numbered from WARM, go until both receivers hear the group; the counted stream starts after that.
  let warmSent = 0;
  const warmStart = performance.now();
  while (performance.now() - warmStart < 40_000) {
    sender.write({ op: 'send', to: `udp://${GROUP}:${PORT}`, count: 5, intervalMs: 40, start: WARM + warmSent });
    warmSent += 5;
    await new Promise((r) => setTimeout(r, 250));
    const heard = (p: Peer) => p.drain((e) => e.event === 'packet' && Number(e.seq) >= WARM).length;
    warm.a += heard(ra);
    warm.b += heard(rb);
    if (warm.a > 0 && warm.b > 0) break;
  }
  const warmUpMs = performance.now() - warmStart;
  sender.write({ op: 'send', to: `udp://${GROUP}:${PORT}`, count: PACKETS, intervalMs: INTERVAL_MS });
  const [pa, pb] = await Promise.all([collect(ra, PACKETS, PACKETS * INTERVAL_MS + 8000), collect(rb, PACKETS, PACKETS * INTERVAL_MS + 8000)]);
  // pimd's switch to the source's tree comes on its spt-threshold poll (every 5 s at the least): if the
  // counted stream ended before it, warm-up packets go on until the kernel's routes show it (or 15 s).
  for (let i = 0; i < 60 && !mrouteLog.some((l) => l.startsWith('r2:') && /Iif: tor1/.test(l)); i++) {
    sender.write({ op: 'send', to: `udp://${GROUP}:${PORT}`, count: 5, intervalMs: 40, start: WARM + warmSent });
    warmSent += 5;
    await new Promise((r) => setTimeout(r, 250));
  }
  clearInterval(watch);
  const pimA = figures(pa.filter((p) => Number(p.seq) < WARM));
  const pimB = figures(pb.filter((p) => Number(p.seq) < WARM));
  // The shared tree: the RP forwarding decapsulated Registers (Iif pimreg), or a receiver's router taking
  // the group from the RP's side (Iif torp); the RP may switch so fast that only one of them shows.
  const rpDuring = mrouteLog.filter((l) => (l.startsWith('rp:') && l.includes('Iif: pimreg')) || (/^r[23]:/.test(l) && l.includes('Iif: torp')));
  const r2Direct = mrouteLog.filter((l) => l.startsWith('r2:') && /Iif: tor1/.test(l));
  if (pimA.received.length < PACKETS || pimB.received.length < PACKETS) {
    console.log(`pimd logs:\n${logs.map((x) => `--- ${x.r}\n${x.log().slice(-1500)}`).join('\n')}\nmroute:\n${mrouteLog.join('\n')}`);
  }

  const row = (what: string, a: Figures, b: Figures) =>
    `${what.padEnd(12)} ${String(a.received.length).padStart(4)}/${PACKETS} ${String(b.received.length).padStart(4)}/${PACKETS}   dup ${a.duplicates + b.duplicates}   median delay ${(a.delayUsMedian / 1000).toFixed(2)} / ${(b.delayUsMedian / 1000).toFixed(2)} ms`;
  console.log(
    [
      'pimd vs courier ALM on the same namespaces (receivers behind r2 and r3):',
      row('pimd', pimA, pimB),
      row('courier ALM', almA, almB),
      `pimd needed ${(warmUpMs / 1000).toFixed(1)} s of warm-up (${warmSent} packets sent, ${warm.a} and ${warm.b} heard) before both receivers were on its shared tree; courier's ALM none (its joins are acknowledged and sent at once)`,
      `pimd, RPT (rp decapsulating Registers with Iif pimreg, or r2/r3 fed from the RP with Iif torp) seen ${rpDuring.length ? 'yes' : 'no'}; SPT (r2 taking the group from r1 directly, Iif tor1) seen ${r2Direct.length ? 'yes' : 'no'}`,
      ...mrouteLog.map((l) => `  ip mroute ${l}`),
      `courier ALM events: ${[...new Set(almEvents.map((e) => `${String(e.type)}@${String(e.node).replace(/^udp:\/\//, '')}`))].join(', ')}`,
    ].join('\n'),
  );

  // Both deliver every packet, and courier never delivers one twice.
  assert.equal(almA.received.length, PACKETS);
  assert.equal(almB.received.length, PACKETS);
  assert.equal(almA.duplicates + almB.duplicates, 0);
  assert.equal(pimA.received.length, PACKETS, 'pimd: receiver behind r2 missed packets');
  assert.equal(pimB.received.length, PACKETS, 'pimd: receiver behind r3 missed packets');
  // Both show the shared tree, then the source's tree.
  assert.ok(rpDuring.length > 0, 'pimd: no shared tree seen (ip mroute: the RP with Iif pimreg, or r2/r3 with Iif torp)');
  assert.ok(r2Direct.length > 0, 'pimd: r2 never took the group from r1 directly (ip mroute Iif tor1)');
  assert.ok(seen('register', names.rp) && seen('register-stop', names.rp) && seen('register-stop', names.src));
  assert.ok(seen('spt-switch', names.rcva) && seen('spt-switch', names.rcvb));
  assert.ok(seen('prune-rpt', names.rp));
});
