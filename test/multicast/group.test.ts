import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';
import { classifyGroup, isMulticastAddress, parseGroupAddress, type MulticastScope } from '../../src/multicast/index.ts';

const table: [string, MulticastScope, string, { ssm?: boolean; linkLocal?: boolean }][] = [
  ['224.0.0.1', 'link-local', 'Local Network Control Block', { linkLocal: true }],
  ['224.0.0.255', 'link-local', 'Local Network Control Block', { linkLocal: true }],
  ['224.0.1.1', 'global', 'Internetwork Control Block', {}],
  ['224.0.2.0', 'global', 'AD-HOC Block I', {}],
  ['224.1.0.0', 'reserved', 'reserved', {}],
  ['224.2.127.254', 'global', 'SDP/SAP Block', {}],
  ['224.3.0.1', 'global', 'AD-HOC Block II', {}],
  ['225.1.1.1', 'reserved', 'reserved', {}],
  ['232.1.2.3', 'global', 'Source-Specific Multicast Block', { ssm: true }],
  ['233.1.2.3', 'global', 'GLOP Block', {}],
  ['233.252.0.1', 'global', 'AD-HOC Block III', {}],
  ['234.0.0.1', 'reserved', 'reserved', {}],
  ['239.255.255.250', 'site-local', 'IPv4 Local Scope', {}],
  ['239.253.0.1', 'site-local', 'reserved to expand the Local Scope', {}],
  ['239.192.0.1', 'organization-local', 'Organization Local Scope', {}],
  ['239.195.255.255', 'organization-local', 'Organization Local Scope', {}],
  ['239.1.2.3', 'admin-local', 'reserved for expansion', {}],
  ['ff01::1', 'interface-local', 'permanently assigned', { linkLocal: true }],
  ['ff02::1', 'link-local', 'permanently assigned', { linkLocal: true }],
  ['ff03::1', 'realm-local', 'permanently assigned', {}],
  ['ff04::1', 'admin-local', 'permanently assigned', {}],
  ['ff05::1:3', 'site-local', 'permanently assigned', {}],
  ['ff08::1', 'organization-local', 'permanently assigned', {}],
  ['ff0e::1', 'global', 'permanently assigned', {}],
  ['ff15::1', 'site-local', 'transient', {}],
  ['ff06::1', 'unassigned', 'permanently assigned', {}],
  ['ff00::1', 'reserved', 'permanently assigned', {}],
  ['ff3e::8000:1', 'global', 'Source-Specific Multicast', { ssm: true }],
  ['ff35::1', 'site-local', 'Source-Specific Multicast', { ssm: true }],
  ['ff35:40:2001:db8::1', 'site-local', 'unicast-prefix-based', {}],
  ['ff7e:140:2001:db8::1', 'global', 'embedded-RP', {}],
];

test('group addresses are classified by block and scope (RFC 5771, RFC 2365, RFC 4291, RFC 4607)', () => {
  for (const [address, scope, block, { ssm = false, linkLocal = false }] of table) {
    const info = classifyGroup(address);
    assert.equal(info.scope, scope, address);
    assert.ok(info.block.includes(block), `${address}: ${info.block}`);
    assert.equal(info.sourceSpecific, ssm, `${address} source-specific`);
    assert.equal(info.linkLocal, linkLocal, `${address} link-local`);
    assert.equal(info.family, address.includes(':') ? 6 : 4);
  }
});

test('IPv6 groups are canonicalised and carry their flag bits', () => {
  const info = classifyGroup('FF7E:0140:2001:0DB8:0000:0000:0000:0001');
  assert.equal(info.address, 'ff7e:140:2001:db8::1');
  assert.deepEqual(info.flags, { embeddedRp: true, prefixBased: true, transient: true });
  assert.equal(classifyGroup('ff02:0:0:0:0:0:0:1').address, 'ff02::1');
  assert.equal(classifyGroup('ff02::1:ff00:1').address, 'ff02::1:ff00:1');
});

test('a non-multicast address is refused with ERR_INVALID_ADDRESS naming it', () => {
  for (const bad of ['10.0.0.1', '223.255.255.255', '240.0.0.1', '127.0.0.1', '::1', 'fe80::1', 'fd00::1', 'example.com', '', '239.1.2', '239.1.2.256']) {
    assert.throws(
      () => classifyGroup(bad),
      (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && e.message.includes(`'${bad}'`),
      bad,
    );
  }
  assert.equal(isMulticastAddress('239.0.0.1'), true);
  assert.equal(isMulticastAddress('ff02::1'), true);
  assert.equal(isMulticastAddress('192.0.2.1'), false);
  assert.equal(isMulticastAddress('nonsense'), false);
});

test('group addresses parse with or without a port, bare, bracketed or as udp:// addresses', () => {
  assert.deepEqual(
    [parseGroupAddress('239.1.2.3:5000'), parseGroupAddress('udp://239.1.2.3:5000'), parseGroupAddress('239.1.2.3')].map((g) => [g.group.address, g.port]),
    [['239.1.2.3', 5000], ['239.1.2.3', 5000], ['239.1.2.3', undefined]],
  );
  const v6 = parseGroupAddress('[ff15::1]:5000');
  assert.deepEqual([v6.group.address, v6.port], ['ff15::1', 5000]);
  assert.equal(parseGroupAddress('ff15::1').port, undefined);
  assert.equal(parseGroupAddress('udp://[ff15::1]:7').port, 7);
  for (const bad of ['239.1.2.3:', '239.1.2.3:70000', '239.1.2.3:x', 'udp://239.1.2.3', '[ff15::1]:', '[10.0.0.1]:5', '239.1.2.3:5:6']) {
    assert.throws(() => parseGroupAddress(bad), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'), bad);
  }
});

test('every string either parses as a group address or gives ERR_INVALID_ADDRESS (property)', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const dotted = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const hex16 = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  const v6 = fc.array(hex16, { minLength: 8, maxLength: 8 }).map((g) => g.join(':'));
  const port = fc.oneof(fc.integer({ min: 0, max: 70000 }).map(String), fc.string({ maxLength: 4 }));
  const candidate = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef.:[]%/udp'.split('')) }),
    dotted,
    fc.tuple(dotted, port).map(([h, p]) => `${h}:${p}`),
    v6,
    fc.tuple(v6, port).map(([h, p]) => `[${h}]:${p}`),
    fc.tuple(dotted, port).map(([h, p]) => `udp://${h}:${p}`),
  );
  fc.assert(
    fc.property(candidate, (text) => {
      let parsed;
      try {
        parsed = parseGroupAddress(text);
      } catch (e) {
        return isCourierError(e, 'ERR_INVALID_ADDRESS');
      }
      // What parses is a multicast group, its canonical form parses to itself, and the port is in range.
      return (
        isMulticastAddress(parsed.group.address) &&
        classifyGroup(parsed.group.address).address === parsed.group.address &&
        (parsed.port === undefined || (parsed.port >= 0 && parsed.port <= 65535))
      );
    }),
    { numRuns: 3000 },
  );
});
