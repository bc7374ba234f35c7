import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { tourSteps } from '../../src/cli/tour/steps.ts';
import { captureIO } from '../cli/io.ts';
import { freshGroup, freshPort } from './helpers.ts';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('courier mcast join prints what arrives and from whom; courier mcast send sends a message and stdin lines', async (t) => {
  const group = freshGroup();
  const port = await freshPort();
  // If an assertion fails before the joiners have their three datagrams, this stops them.
  const stop = new AbortController();
  t.after(() => stop.abort());
  const joiners = [captureIO('', stop.signal), captureIO('', stop.signal)];
  const joined = joiners.map((j) => main(['mcast', 'join', `${group}:${port}`, '--interface', '127.0.0.1', '--count', '3'], j.io));
  await until(() => joiners.every((j) => j.out().includes('joined')), 'both joins');
  assert.match(joiners[0]!.out(), new RegExp(`joined ${group.replaceAll('.', '\\.')}:${port} on 127\\.0\\.0\\.1 \\(admin-local scope\\)`));

  const one = captureIO();
  assert.equal(await main(['mcast', 'send', `${group}:${port}`, 'hello group', '--interface', 'lo', '--ttl', '0'], one.io), 0, one.err());
  assert.match(one.err(), /sent 1 datagram\(s\) to .* \(ttl 0\)/);
  const lines = captureIO('line one\nline two\n');
  assert.equal(await main(['mcast', 'send', `udp://${group}:${port}`, '--interface', '127.0.0.1'], lines.io), 0, lines.err());
  assert.match(lines.err(), /sent 2 datagram\(s\)/);

  for (const [i, j] of joiners.entries()) {
    assert.equal(await joined[i], 0, j.err());
    assert.match(j.out(), /udp:\/\/127\.0\.0\.1:\d+ {2}11 B {2}"hello group"/);
    assert.match(j.out(), /"line one"[\s\S]*"line two"/);
  }
});

test('courier mcast info prints the scope, block and forwarding of a group', async () => {
  const cases: [string, RegExp[]][] = [
    ['224.0.0.251', [/scope +link-local/, /Local Network Control Block/, /never: it stays on the local link/]],
    ['239.255.255.250', [/scope +site-local/, /IPv4 Local Scope/]],
    ['232.1.2.3:5000', [/port 5000/, /source-specific +yes/]],
    ['[ff02::fb]:5353', [/IPv6/, /scope +link-local/, /flags +R=0 P=0 T=0/]],
    ['ff3e::1234', [/scope +global/, /source-specific +yes/]],
  ];
  for (const [address, patterns] of cases) {
    const c = captureIO();
    assert.equal(await main(['mcast', 'info', address], c.io), 0, c.err());
    for (const p of patterns) assert.match(c.out(), p, address);
  }
});

test('courier mcast errors are one line with a code and a non-zero exit', async () => {
  const runs: [string[], number, RegExp][] = [
    [['mcast', 'info', '10.0.0.1'], 1, /^courier mcast: ERR_INVALID_ADDRESS: '10\.0\.0\.1' is not a multicast address/],
    [['mcast', 'join', '232.1.1.1:5000', '--interface', '127.0.0.1'], 1, /^courier mcast: ERR_INVALID_ARGUMENT: .*232\.0\.0\.0\/8.*--source/],
    [['mcast', 'join', '239.1.1.1'], 2, /name the group's port/],
    [['mcast', 'send', '239.1.1.1:5000', 'x', '--ttl', '300'], 2, /--ttl/],
    [['mcast', 'send', '239.1.1.1:5000', 'x', '--interface', 'no-such-if0'], 1, /ERR_INVALID_ADDRESS: no IPv4 interface 'no-such-if0'/],
    [['mcast', 'frob'], 2, /unknown mcast subcommand 'frob'/],
    [['mcast'], 2, /expected join, send or info/],
  ];
  for (const [argv, code, pattern] of runs) {
    const c = captureIO();
    assert.equal(await main(argv, c.io), code, argv.join(' '));
    assert.equal(c.err().trim().split('\n').length, 1, c.err());
    assert.match(c.err(), pattern);
  }
  const h = captureIO();
  assert.equal(await main(['mcast', '--help'], h.io), 0);
  assert.match(h.out(), /Usage: courier mcast join[\s\S]*Examples:/);
});

test('the tour has a multicast step after the sockets steps, and it runs', async () => {
  const index = tourSteps.findIndex((s) => s.title.startsWith('IP multicast'));
  assert.ok(index >= 0);
  const tcp = tourSteps.findIndex((s) => s.title.startsWith('TCP'));
  assert.ok(index > tcp);
  const lines: string[] = [];
  await tourSteps[index]!.run((l) => lines.push(l), new AbortController().signal);
  assert.ok(lines.some((l) => /cas heard nothing/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /ann 2, bob 2, cas 1/.test(l)), lines.join('\n'));
});
