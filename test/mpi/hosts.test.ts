import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { networkHost, parseHosts, placeRanks } from '../../src/mpi/hosts.ts';
import { shellQuote, sshCommand } from '../../src/mpi/process/ssh.ts';
import { listen } from '../../src/net/tcp.ts';
import { fixture, runJob } from './helpers.ts';
import { sshdUnavailable, startSshd } from './sshd.ts';

test('--hosts parses host:slots lists, fills hosts in order and refuses more ranks than slots', () => {
  assert.deepEqual(parseHosts('a:2,b,[::1]:3'), [{ host: 'a', slots: 2 }, { host: 'b', slots: 1 }, { host: '::1', slots: 3 }]);
  assert.deepEqual(placeRanks(4, parseHosts('a:2,b:2')), ['a', 'a', 'b', 'b']);
  assert.deepEqual(placeRanks(3, parseHosts('a:2,b:2')), ['a', 'a', 'b']);
  assert.equal(networkHost('me@node7'), 'node7');
  for (const bad of ['', 'a:0', 'a:x', 'a,,b', 'a b:2']) {
    assert.throws(() => parseHosts(bad), (e) => isCourierError(e) && e.code === 'ERR_INVALID_ARGUMENT', bad);
  }
  assert.throws(() => placeRanks(5, parseHosts('a:2,b:2')), /needs 5 slots but --hosts gives 4/);
});

test('the remote command line quotes every word for the remote shell', () => {
  assert.equal(shellQuote('plain/path-1.ts'), 'plain/path-1.ts');
  assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  const { file, args } = sshCommand(['ssh', '-p', '22'], 'node7', '/work dir', { A: 'x y' }, ['node', 'app.ts', '$HOME']);
  assert.equal(file, 'ssh');
  assert.deepEqual(args.slice(0, 3), ['-p', '22', 'node7']);
  assert.equal(args[3], `cd '/work dir' && exec env A='x y' node app.ts '$HOME'`);
});

const reason = sshdUnavailable();
if (reason) process.stderr.write(`test/mpi/hosts.test.ts: skipping the ssh tests: ${reason}\n`);

// Two "machines" are loopback addresses served by a real sshd: ranks 0-1 start on 127.0.0.2 and ranks 2-3
// on 127.0.0.3 through ssh, listen on their host's address, and find each other through the launcher's rendezvous.
test('courier run --hosts starts ranks on other hosts over ssh; they form one job', { skip: reason ?? false, timeout: 60_000 }, async (t) => {
  const probe = await listen('tcp://127.0.0.2:0');
  const port = probe.address.transport === 'tcp' ? probe.address.port : 0;
  await probe.close();
  const sshd = await startSshd(['127.0.0.2', '127.0.0.3'], port);
  t.after(() => sshd.stop());

  const job = await runJob(t, { np: 4, program: fixture('where.ts'), hosts: parseHosts('127.0.0.2:2,127.0.0.3:2'), ssh: sshd.ssh });
  const result = await job.result;
  assert.equal(result.exitCode, 0, `${result.summary}\n${job.lines.join('\n')}`);
  const hosts = job.lines.map((l) => /^\[(\d)\] rank \d\/4 host (\S+) sum 6 got 'token from (\d)'$/.exec(l)).filter((m) => m !== null);
  assert.equal(hosts.length, 4, job.lines.join('\n'));
  for (const [, rank, host, from] of hosts) {
    assert.equal(host, Number(rank) < 2 ? '127.0.0.2' : '127.0.0.3');
    assert.equal(Number(from), (Number(rank) + 3) % 4);
  }

  // A remote rank that hangs is ended when the job is stopped: its session carries the signal.
  const hung = await runJob(t, { np: 2, program: fixture('where.ts'), args: ['hang'], hosts: parseHosts('127.0.0.2,127.0.0.3'), ssh: sshd.ssh, killGraceMs: 3000 });
  await hung.waitForLine(/^\[1\] rank 1\/2/);
  hung.job.stop();
  const stopped = await hung.result;
  assert.notEqual(stopped.exitCode, 0);
  assert.match(stopped.summary, /stopped/);
});
