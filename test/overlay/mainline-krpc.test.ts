import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { Prng } from '../../src/net/prng.ts';
import { bdecode, type BDict } from '../../src/overlay/mainline/bencode.ts';
import { decodeNodes, decodePeer, encodeNodes, encodePeer, parseUdpIpv4 } from '../../src/overlay/mainline/compact.ts';
import { decodeKrpc, encodeError, encodeQuery, encodeResponse, parseQueryArgs, parseResponse, type KrpcQuery, type KrpcResponse } from '../../src/overlay/mainline/krpc.ts';
import { PeerStore } from '../../src/overlay/mainline/peer-store.ts';
import { TokenIssuer } from '../../src/overlay/mainline/tokens.ts';

const limits = { maxMessageBytes: 4096, maxNodesPerReply: 32, maxValuesPerReply: 200 };
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array) => Buffer.from(b).toString('latin1');

// The example messages of BEP 5, byte for byte.
const BEP5 = {
  ping: 'd1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe',
  pong: 'd1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re',
  error: 'd1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee',
  findNode: 'd1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe',
  getPeers: 'd1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe',
  announce: 'd1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe',
  peersReply: 'd1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re',
};

test('the BEP 5 example queries decode to typed queries', () => {
  const q = (s: string) => {
    const m = decodeKrpc(enc(s), limits);
    assert.equal(m.y, 'q');
    assert.equal(str(m.t), 'aa');
    return parseQueryArgs(m as KrpcQuery);
  };
  assert.deepEqual(q(BEP5.ping), { method: 'ping', id: enc('abcdefghij0123456789') });
  assert.deepEqual(q(BEP5.findNode), { method: 'find_node', id: enc('abcdefghij0123456789'), target: enc('mnopqrstuvwxyz123456') });
  assert.deepEqual(q(BEP5.getPeers), { method: 'get_peers', id: enc('abcdefghij0123456789'), infoHash: enc('mnopqrstuvwxyz123456') });
  assert.deepEqual(q(BEP5.announce), { method: 'announce_peer', id: enc('abcdefghij0123456789'), infoHash: enc('mnopqrstuvwxyz123456'), port: 6881, impliedPort: true, token: enc('aoeusnth') });
});

test('the BEP 5 example responses and error decode; peers come out of compact peer info', () => {
  const pong = decodeKrpc(enc(BEP5.pong), limits) as KrpcResponse;
  assert.deepEqual(parseResponse(pong, limits), { id: enc('mnopqrstuvwxyz123456'), nodes: [], values: [], token: undefined });
  const peers = parseResponse(decodeKrpc(enc(BEP5.peersReply), limits) as KrpcResponse, limits);
  assert.deepEqual(peers.values, [{ host: '97.120.106.101', port: 11893 }, { host: '105.100.104.116', port: 28269 }]);
  assert.deepEqual(peers.token, enc('aoeusnth'));
  const e = decodeKrpc(enc(BEP5.error), limits);
  assert.deepEqual({ y: e.y, code: e.y === 'e' && e.code, message: e.y === 'e' && e.message }, { y: 'e', code: 201, message: 'A Generic Error Ocurred' });
});

test('our encodings are the BEP 5 examples byte for byte (plus the version key v)', () => {
  const t = enc('aa');
  const v = enc('CI\x00\x01');
  const a: BDict = new Map([['id', enc('abcdefghij0123456789')]]);
  // `v` sorts between `t` and `y`.
  const withV = (s: string) => s.replace('1:t2:aa', '1:t2:aa1:v4:CI\x00\x01');
  assert.equal(str(encodeQuery(t, 'ping', a, v)), withV(BEP5.ping));
  assert.equal(str(encodeResponse(t, new Map([['id', enc('mnopqrstuvwxyz123456')]]), v)), withV(BEP5.pong));
  assert.equal(str(encodeError(t, 201, 'A Generic Error Ocurred', v)), withV(BEP5.error));
});

test('queries with wrong arguments are answered with 203, unknown methods with 204', () => {
  const args = (m: string, a: string) => parseQueryArgs(decodeKrpc(enc(`d1:ad${a}e1:q${m.length}:${m}1:t2:aa1:y1:qe`), limits) as KrpcQuery);
  const id = '2:id20:abcdefghij0123456789';
  assert.deepEqual(pick(args('ping', '2:id3:abc')), 203);
  assert.deepEqual(pick(args('find_node', id)), 203);
  assert.deepEqual(pick(args('get_peers', `${id}9:info_hash3:abc`)), 203);
  assert.deepEqual(pick(args('announce_peer', `${id}9:info_hash20:mnopqrstuvwxyz1234564:porti0e5:token1:x`)), 203);
  assert.deepEqual(pick(args('announce_peer', `${id}9:info_hash20:mnopqrstuvwxyz123456`)), 203);
  assert.deepEqual(pick(args('vote', id)), 204);
});

function pick(r: ReturnType<typeof parseQueryArgs>): number | string {
  return 'fault' in r ? r.code : r.method;
}

test('messages without t, y or the fields their type needs are ERR_DECODE', () => {
  for (const s of ['le', 'd1:y1:qe', 'd1:t0:1:y1:qe', 'd1:t2:aa1:y1:xe', 'd1:t2:aa1:y1:qe', 'd1:q4:ping1:t2:aa1:y1:qe', 'd1:t2:aa1:y1:re', 'd1:eli201ee1:t17:aaaaaaaaaaaaaaaaa1:y1:ee', 'd1:t2:aa1:y1:ee']) {
    assert.throws(() => decodeKrpc(enc(s), limits), (err: unknown) => isCourierError(err, 'ERR_DECODE'), s);
  }
  const reply = (r: string) => () => parseResponse(decodeKrpc(enc(`d1:rd${r}e1:t2:aa1:y1:re`), limits) as KrpcResponse, limits);
  const id = '2:id20:mnopqrstuvwxyz123456';
  assert.throws(reply('2:id2:ab'), /20-byte/);
  assert.throws(reply(`${id}5:nodes25:${'x'.repeat(25)}`), /multiple of 26/);
  assert.throws(reply(`${id}6:valuesi1e`), /must be a list/);
  assert.throws(reply(`${id}5:tokeni1e`), /token/);
  // More nodes than the bound are refused, not truncated silently.
  assert.throws(() => parseResponse(decodeKrpc(enc(`d1:rd${id}5:nodes${26 * 33}:${'x'.repeat(26 * 33)}e1:t2:aa1:y1:re`), limits) as KrpcResponse, limits), /exceed the limit of 32/);
});

test('fuzz: mutated KRPC datagrams decode or fail with ERR_DECODE only', () => {
  const samples = Object.values(BEP5).map(enc);
  const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), fc.nat(10)).map(([b, edits, cut]) => {
    const out = b.slice(0, b.length - cut);
    for (const [at, x] of edits) out[at % out.length] = x;
    return out;
  });
  fc.assert(
    fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 120 })), (bytes) => {
      try {
        const m = decodeKrpc(bytes, limits);
        if (m.y === 'q') parseQueryArgs(m);
        if (m.y === 'r') parseResponse(m, limits);
      } catch (err) {
        assert.ok(isCourierError(err, 'ERR_DECODE'), String(err));
      }
    }),
    { numRuns: 3000 },
  );
});

test('compact node info is 26 bytes and compact peer info 6, IPv4 only', () => {
  const id = new Uint8Array(20).fill(7);
  const nodes = encodeNodes([{ id, host: '127.0.0.1', port: 6881 }, { id, host: '::1', port: 1 }, { id, host: '10.0.0.2', port: 65535 }]);
  assert.equal(nodes.length, 52);
  assert.deepEqual(decodeNodes(nodes, 8), [{ id, host: '127.0.0.1', port: 6881 }, { id, host: '10.0.0.2', port: 65535 }]);
  assert.deepEqual([...encodePeer({ host: '1.2.3.4', port: 0x1ae1 })!], [1, 2, 3, 4, 0x1a, 0xe1]);
  assert.equal(encodePeer({ host: '1.2.3', port: 1 }), undefined);
  assert.equal(encodePeer({ host: '1.2.3.256', port: 1 }), undefined);
  assert.equal(encodePeer({ host: '1.2.3.4', port: 0 }), undefined);
  assert.deepEqual(decodePeer(new Uint8Array([127, 0, 0, 1, 0, 80])), { host: '127.0.0.1', port: 80 });
  assert.throws(() => decodePeer(new Uint8Array(5)), /6 bytes/);
  assert.deepEqual(parseUdpIpv4('udp://10.1.2.3:4000'), { host: '10.1.2.3', port: 4000 });
  assert.equal(parseUdpIpv4('udp://[::1]:4000'), undefined);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.ipV4(), fc.integer({ min: 1, max: 65535 })), { maxLength: 10 }), (list) => {
      const ns = list.map(([i, host, port]) => ({ id: i, host, port }));
      assert.deepEqual(decodeNodes(encodeNodes(ns), 10), ns);
    }),
  );
});

test('a token is bound to the asking IP and accepted for one to two rotations (BEP 5: up to 10 minutes)', () => {
  let n = 0;
  const tokens = new TokenIssuer(5 * 60_000, 0, () => Buffer.from([n++]));
  const t = tokens.issue('10.0.0.1', 1000);
  assert.equal(t.length, 8);
  assert.ok(tokens.check('10.0.0.1', t, 1000));
  assert.ok(!tokens.check('10.0.0.2', t, 1000), 'another IP cannot use it');
  assert.ok(tokens.check('10.0.0.1', t, 4 * 60_000));
  assert.ok(tokens.check('10.0.0.1', t, 9 * 60_000), 'after one rotation it is still accepted');
  assert.ok(!tokens.check('10.0.0.1', t, 10 * 60_000 + 1), 'after two rotations it is not');
  const u = tokens.issue('10.0.0.1', 11 * 60_000);
  assert.ok(!tokens.check('10.0.0.1', u, 31 * 60_000), 'a long idle spell replaces both secrets');
  assert.ok(!tokens.check('10.0.0.1', u.subarray(0, 7), 11 * 60_000));
});

test('the peer store is bounded per info-hash and in info-hashes, samples when asked for fewer, and expires', () => {
  const store = new PeerStore(2, 3, 1000);
  const random = new Prng(1);
  const ih = (b: number) => new Uint8Array(20).fill(b);
  for (let i = 1; i <= 4; i++) assert.equal(store.add(ih(1), { host: '10.0.0.1', port: i }, 0), i <= 3);
  assert.ok(store.add(ih(1), { host: '10.0.0.1', port: 2 }, 500), 'a known peer is refreshed even when full');
  assert.ok(store.add(ih(2), { host: '10.0.0.1', port: 1 }, 0));
  assert.ok(!store.add(ih(3), { host: '10.0.0.1', port: 1 }, 0), 'no third info-hash');
  assert.ok(!store.add(ih(2), { host: '::1', port: 1 }, 0), 'IPv6 has no compact form here');
  assert.equal(store.get(ih(1), 0, 10, random).length, 3);
  assert.equal(store.get(ih(1), 0, 2, random).length, 2);
  assert.deepEqual(store.get(ih(1), 1200, 10, random).map((b) => b[5]), [2], 'only the refreshed peer outlives its TTL');
  store.expire(1600);
  assert.equal(store.size, 0);
  assert.ok(store.add(ih(3), { host: '10.0.0.1', port: 1 }, 1600), 'room again after expiry');
});

test('decoded byte strings in a KRPC message are views of the datagram: the parser copies what it keeps', () => {
  const bytes = enc(BEP5.pong);
  const r = parseResponse(decodeKrpc(bytes, limits) as KrpcResponse, limits);
  bytes.fill(0);
  assert.equal(str(r.id), 'mnopqrstuvwxyz123456');
  assert.ok(bdecode(enc('0:')) instanceof Uint8Array);
});
