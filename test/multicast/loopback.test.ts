import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { MULTICAST_DEFAULTS, openMulticast, type MulticastEndpoint } from '../../src/multicast/index.ts';
import { select } from '../../src/net/select.ts';
import { bytes, freshGroup, freshPort, onLoopback, text } from './helpers.ts';

const WAIT = { timeout: 2000 };

async function closeAll(endpoints: MulticastEndpoint[]): Promise<void> {
  await Promise.all(endpoints.map((e) => e.close()));
}

test('several receivers on one host share the group port and each hears every datagram, with the sender address', async (t) => {
  const group = freshGroup();
  const port = await freshPort();
  const receivers = await Promise.all([1, 2, 3].map(() => onLoopback({ port, groups: [group] })));
  const sender = await onLoopback({ port, host: '127.0.0.1' });
  t.after(() => closeAll([...receivers, sender]));

  for (const m of ['one', 'two', 'three']) await sender.send(bytes(m), `udp://${group}:${port}`);
  for (const r of receivers) {
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await r.receive(WAIT));
    assert.deepEqual(got.map((d) => text(d.data)), ['one', 'two', 'three']);
    assert.deepEqual(got[0]!.from, sender.address);
    assert.equal(r.stats().received, 3);
    assert.deepEqual(r.groups(), [{ group, interface: '127.0.0.1' }]);
  }
  assert.equal(sender.stats().sent, 3);
});

test('a member that leaves stops hearing the group while the others on the same host still do', async (t) => {
  const group = freshGroup();
  const other = freshGroup();
  const port = await freshPort();
  const stay = await onLoopback({ port, groups: [group] });
  const leaver = await onLoopback({ port, groups: [group, other] });
  const sender = await onLoopback({ port, host: '127.0.0.1' });
  t.after(() => closeAll([stay, leaver, sender]));

  await sender.send(bytes('before'), `udp://${group}:${port}`);
  assert.equal(text((await leaver.receive(WAIT)).data), 'before');
  await leaver.leave(group);
  assert.deepEqual(leaver.groups().map((m) => m.group), [other]);

  await sender.send(bytes('after'), `udp://${group}:${port}`);
  // The marker goes to the group the leaver still holds: on loopback it arrives after 'after' would have.
  await sender.send(bytes('marker'), `udp://${other}:${port}`);
  assert.equal(text((await leaver.receive(WAIT)).data), 'marker');
  assert.equal(text((await stay.receive(WAIT)).data), 'before');
  assert.equal(text((await stay.receive(WAIT)).data), 'after');

  // Joining again takes effect at once.
  await leaver.join(group);
  await sender.send(bytes('again'), `udp://${group}:${port}`);
  assert.equal(text((await leaver.receive(WAIT)).data), 'again');
  assert.equal(leaver.stats().received, 3);
});

test('a source-specific join hears only its source', async (t) => {
  const group = freshGroup(true);
  const port = await freshPort();
  const receiver = await onLoopback({ port, groups: [{ group, source: '127.0.0.2' }] });
  const wanted = await onLoopback({ port, host: '127.0.0.2' });
  const unwanted = await onLoopback({ port, host: '127.0.0.3' });
  t.after(() => closeAll([receiver, wanted, unwanted]));

  await unwanted.send(bytes('from .3'), `udp://${group}:${port}`);
  await wanted.send(bytes('from .2'), `udp://${group}:${port}`);
  const d = await receiver.receive(WAIT);
  assert.equal(text(d.data), 'from .2');
  assert.equal(d.from.host, '127.0.0.2');
  assert.deepEqual(receiver.groups(), [{ group, source: '127.0.0.2', interface: '127.0.0.1' }]);

  // A second source on the same group adds to what is heard; leaving it takes it away again.
  await receiver.addSourceSpecificMembership('127.0.0.3', group);
  await unwanted.send(bytes('now .3'), `udp://${group}:${port}`);
  assert.equal(text((await receiver.receive(WAIT)).data), 'now .3');
  await receiver.dropSourceSpecificMembership('127.0.0.3', group);
  await unwanted.send(bytes('gone .3'), `udp://${group}:${port}`);
  await wanted.send(bytes('still .2'), `udp://${group}:${port}`);
  assert.equal(text((await receiver.receive(WAIT)).data), 'still .2');
});

test('sequencing per sender shows a late joiner no false loss, and starts afresh for a member that rejoins', async (t) => {
  const group = freshGroup();
  const port = await freshPort();
  const sender = await onLoopback({ port, host: '127.0.0.1', sequencing: true });
  t.after(() => closeAll([sender]));
  // Before anyone listens: numbers 1-3 go nowhere.
  for (const m of ['a', 'b', 'c']) await sender.send(bytes(m), `udp://${group}:${port}`);
  const late = await onLoopback({ port, groups: [group], sequencing: true });
  t.after(() => late.close());
  await sender.send(bytes('d'), `udp://${group}:${port}`);
  const d = await late.receive(WAIT);
  assert.equal(text(d.data), 'd');
  assert.equal(d.seq, 4);
  await late.leave(group);
  await sender.send(bytes('e'), `udp://${group}:${port}`);
  await late.join(group);
  await sender.send(bytes('f'), `udp://${group}:${port}`);
  assert.equal((await late.receive(WAIT)).seq, 6);
  // A membership's sequencing starts afresh with its socket: the rejoined member starts at 6.
  const [stats] = late.senderStats();
  assert.equal(stats!.received, 1);
  assert.equal(stats!.lost + stats!.missing, 0);
});

test('loopback can be turned off and on again (its effect needs a real interface: see netns.test.ts)', async (t) => {
  // On lo itself every datagram sent is also received through lo, so IP_MULTICAST_LOOP changes nothing
  // there; the namespace tests check that a sender's host stops hearing it on a veth interface.
  const ep = await onLoopback({ port: await freshPort(), loopback: false });
  t.after(() => ep.close());
  assert.equal(ep.sendOptions().loopback, false);
  ep.setMulticastLoopback(true);
  assert.equal(ep.sendOptions().loopback, true);
});

test('everything a DatagramEndpoint offers: truncation, timeout, polling, select, iteration, replies, close', async (t) => {
  const group = freshGroup();
  const port = await freshPort();
  const member = await onLoopback({ port, groups: [group], receiveBufferSize: 8 });
  const sender = await onLoopback({ port, host: '127.0.0.1' });
  t.after(() => closeAll([member, sender]));

  assert.equal(member.tryReceive(), undefined);
  await assert.rejects(member.receive({ timeout: 30 }), (e) => isCourierError(e, 'ERR_TIMEOUT'));
  await sender.send(bytes('longer than eight'), `udp://${group}:${port}`);
  await select([member], WAIT);
  const cut = member.tryReceive()!;
  assert.equal(cut.truncated, true);
  assert.equal(cut.size, 17);
  assert.equal(text(cut.data), 'longer t');
  assert.equal(member.stats().truncated, 1);

  // A member can answer the sender directly: the reply comes back on the sender's own socket.
  await member.send(bytes('reply'), cut.from);
  const reply = await sender.receive(WAIT);
  assert.equal(text(reply.data), 'reply');
  assert.equal(reply.from.port, member.address.port);

  await sender.send(bytes('x'), `udp://${group}:${port}`);
  const seen: string[] = [];
  const iterating = (async () => {
    for await (const d of member) seen.push(text(d.data));
  })();
  await sender.send(bytes('y'), `udp://${group}:${port}`);
  while (seen.length < 2) await new Promise((r) => setImmediate(r));
  const pending = member.receive();
  await member.close();
  await iterating;
  assert.deepEqual(seen, ['x', 'y']);
  await assert.rejects(pending, (e) => isCourierError(e, 'ERR_CLOSED'));
  await assert.rejects(member.send(bytes('z'), `udp://${group}:${port}`), (e) => isCourierError(e, 'ERR_CLOSED'));
  await assert.rejects(member.join(freshGroup()), (e) => isCourierError(e, 'ERR_CLOSED'));
  await assert.rejects(member.leave(group), (e) => isCourierError(e, 'ERR_CLOSED'));
  assert.throws(() => member.setMulticastTTL(2), (e) => isCourierError(e, 'ERR_CLOSED'));
  assert.throws(() => member.setMulticastLoopback(false), (e) => isCourierError(e, 'ERR_CLOSED'));
  await member.close(); // idempotent
});

test('clear typed errors: non-multicast groups, SSM without a source, bad TTL, interfaces, sources and repeats', async (t) => {
  const port = await freshPort();
  const ep = await onLoopback({ port });
  t.after(() => ep.close());
  await assert.rejects(ep.join('10.1.2.3'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && /not a multicast address/.test(e.message));
  await assert.rejects(ep.join('232.1.2.3'), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /232\.0\.0\.0\/8/.test(e.message) && /source/.test(e.message));
  await assert.rejects(ep.join('ff15::1'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && /IPv6 group/.test(e.message));
  await assert.rejects(ep.join(freshGroup(true), { source: '239.0.0.1' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && /unicast/.test(e.message));
  await assert.rejects(ep.join(freshGroup(), { interface: 'no-such-if0' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && /no-such-if0/.test(e.message));
  await assert.rejects(ep.join(freshGroup(), { interface: '192.0.2.250' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  assert.throws(() => ep.setMulticastTTL(256), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  assert.throws(() => ep.setMulticastTTL(-1), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  assert.throws(() => ep.setMulticastInterface('no-such-if0'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  ep.setMulticastTTL(0);
  assert.equal(ep.sendOptions().ttl, 0);

  const g = freshGroup();
  await ep.join(g);
  await assert.rejects(ep.join(g), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /already joined/.test(e.message));
  await assert.rejects(ep.join(g, { source: '127.0.0.2' }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /cannot be mixed/.test(e.message));
  await assert.rejects(ep.leave(freshGroup()), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /not a member/.test(e.message));
  // A failed join leaves nothing behind.
  assert.deepEqual(ep.groups().map((m) => m.group), [g]);
  await assert.rejects(onLoopback({ port: 0 }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  await assert.rejects(onLoopback({ port, ttl: 300 }), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT'));
  await assert.rejects(onLoopback({ port, groups: ['224.0.0.1', '10.0.0.1'] }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
  assert.equal(MULTICAST_DEFAULTS.ttl, 1);
  await using v6 = await openMulticast({ port, family: 6, host: '::1' });
  await assert.rejects(v6.join('ff02::1:2'), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /link-local: name the interface/.test(e.message));
  await assert.rejects(v6.join('ff15::1', { source: '127.0.0.1' }), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && /not IPv6/.test(e.message));
});

test('queues are bounded: what a slow member cannot hold is dropped and counted, and what it held arrives in order', async (t) => {
  const group = freshGroup();
  const port = await freshPort();
  const member = await onLoopback({ port, groups: [group], maxQueued: 2 });
  const sender = await onLoopback({ port, host: '127.0.0.1' });
  t.after(() => closeAll([member, sender]));
  for (let i = 1; i <= 10; i++) await sender.send(bytes(String(i)), `udp://${group}:${port}`);
  // Wait for all ten to reach the member's socket (the counter counts arrivals, kept or not).
  const deadline = performance.now() + 2000;
  while (member.stats().received < 10 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  const s = member.stats();
  assert.equal(s.received, 10);
  // The endpoint's queue holds maxQueued, and so does the group's socket behind it.
  assert.equal(s.dropped, 6);
  const kept: string[] = [];
  for (let d = member.tryReceive(); d; d = member.tryReceive()) kept.push(text(d.data));
  assert.deepEqual(kept, ['1', '2', '3', '4']);
});

test('maxGroups bounds the groups an endpoint holds', async (t) => {
  const ep = await onLoopback({ port: await freshPort(), maxGroups: 2 });
  t.after(() => ep.close());
  await ep.join(freshGroup());
  await ep.join(freshGroup());
  await assert.rejects(ep.join(freshGroup()), (e) => isCourierError(e, 'ERR_INVALID_ARGUMENT') && /maxGroups \(2\)/.test(e.message));
});
