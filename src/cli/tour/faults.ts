import { setTimeout as sleep } from 'node:timers/promises';
import { formatAddress } from '../../net/address.ts';
import { startChaosProxy } from '../../net/chaos/proxy.ts';
import { SimNetwork } from '../../net/sim/network.ts';
import { internet } from '../../net/sim/topology.ts';
import { TraceRecorder } from '../../net/sim/trace.ts';
import { bindUdp } from '../../net/udp.ts';
import type { TourStep } from './step.ts';

export const faultsStep: TourStep = {
  title: 'Faults on demand: a chaos proxy, and a simulated network',
  idea:
    'UDP may lose, duplicate and reorder datagrams, but on loopback it never does, so a protocol goes untested\n' +
    'until production. A proxy that injects those faults, counted, lets a receiver check what it saw against\n' +
    'what really happened; a simulated network on virtual time does the same for thousands of nodes, exactly\n' +
    'repeatable for a seed.',
  async run(say, signal) {
    await using receiver = await bindUdp('udp://127.0.0.1:0', { sequencing: { window: 4096 }, maxQueued: 4096 });
    await using proxy = await startChaosProxy({
      listen: 'udp://127.0.0.1:0',
      target: receiver.address,
      loss: 0.2,
      duplicate: 0.05,
      reorder: 0.1,
      delay: 2,
      jitter: 1,
      seed: 7,
    });
    await using sender = await bindUdp('udp://127.0.0.1:0', { sequencing: true });
    say(`proxy ${formatAddress(proxy.address)} -> receiver ${formatAddress(receiver.address)}: loss 0.2, duplicate 0.05, reorder 0.1, delay 2 ms, jitter 1 ms, seed 7`);
    const count = 400;
    for (let i = 0; i < count; i++) {
      await sender.send(Buffer.from(`datagram ${i}`), proxy.address);
      if (i % 20 === 19) await sleep(2, undefined, { signal });
    }
    // A clean last datagram, once nothing is held back, settles every gap before it.
    proxy.update({ loss: 0, duplicate: 0, reorder: 0, delay: 0, jitter: 0 });
    while (proxy.stats().held > 0) await sleep(5, undefined, { signal });
    await sender.send(Buffer.from('fin'), proxy.address);
    while (Buffer.from((await receiver.receive({ timeout: 5000, signal })).data).toString() !== 'fin');
    const up = proxy.stats().upstream;
    const seen = receiver.senderStats()[0];
    if (!seen) throw new Error('the receiver saw no sender');
    say(`sent ${count + 1} sequenced datagrams through the proxy`);
    say(`the proxy says it dropped ${up.dropped}, duplicated ${up.duplicated}, and forwarded ${up.reordered} out of order`);
    say(`the receiver reports lost ${seen.lost + seen.missing}, duplicates ${seen.duplicates}, reordered ${seen.reordered}`);
    if (seen.lost + seen.missing !== up.dropped + up.overflowed || seen.duplicates !== up.duplicated || seen.reordered !== up.reordered) {
      throw new Error('the receiver and the proxy disagree');
    }
    say('they agree exactly: sequencing sees every omission and ordering failure the network caused');

    const first = simulate();
    const again = simulate();
    const c = first.counters;
    say(`simulated: 12 hosts in 3 sites, ${c.sent} datagrams over ${first.virtualMs.toFixed(0)} ms of virtual time in ${first.wallMs.toFixed(0)} ms of real time`);
    say(`the network delivered ${c.delivered}, lost ${c.lost} (${c.partitioned} to a partition opened at 300 ms and healed at 500 ms), duplicated ${c.duplicated}`);
    say(`the receivers' sequencing counted ${first.missing} lost`);
    if (first.missing !== c.lost || first.digest !== again.digest) throw new Error('the simulated run did not add up or did not repeat');
    say(`a second run with the same seed gave the same trace of ${first.events} events (digest ${first.digest})`);
  },
};

// A small simulated run: 12 hosts in a two-level internet, a ring of pings, and a partition that heals.
function simulate() {
  const topology = internet({ sites: 3, seed: 1, siteOf: (host) => Number(host.split('.')[2]) });
  const net = new SimNetwork({ seed: 1, topology, link: { loss: 0.05, duplicate: 0.01 } });
  const recorder = new TraceRecorder(0);
  net.trace = recorder.listener;
  const hosts = Array.from({ length: 12 }, (_, i) => net.bind(`udp://10.0.${i % 3}.${i + 1}:7000`, { sequencing: true }));
  const started = performance.now();
  for (let round = 0; round < 100; round++) {
    for (const [i, h] of hosts.entries()) net.clock.setTimer(() => void h.send(Buffer.from('ping'), hosts[(i + 1) % hosts.length]!.address), round * 10);
  }
  net.clock.setTimer(() => {
    const p = net.partition(['10.0.0.1']);
    net.clock.setTimer(() => p.heal(), 200);
  }, 300);
  // A last clean round, so every receiver knows of every gap.
  net.clock.setTimer(() => {
    net.setDefaultLink({ loss: 0, duplicate: 0 });
    for (const [i, h] of hosts.entries()) void h.send(Buffer.from('fin'), hosts[(i + 1) % hosts.length]!.address);
  }, 2000);
  net.clock.runAll();
  const counters = net.counters();
  const missing = hosts.flatMap((h) => h.senderStats()).reduce((n, s) => n + s.lost + s.missing, 0);
  return { counters, missing, virtualMs: net.clock.now(), wallMs: performance.now() - started, digest: recorder.digest, events: recorder.count };
}
