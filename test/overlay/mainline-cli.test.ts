import assert from 'node:assert/strict';
import { test } from 'node:test';
import DHT from 'bittorrent-dht';
import { overlayCommand } from '../../src/cli/commands/overlay.ts';
import { captureIO } from '../cli/io.ts';

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), `timed out waiting for ${what}`);
}

test('courier overlay start --mainline joins bittorrent-dht nodes on loopback and prints its id, table and lookups', async (t) => {
  const swarm: DHT[] = [];
  t.after(() => Promise.all(swarm.map((d) => new Promise<void>((resolve) => d.destroy(() => resolve())))));
  for (let i = 0; i < 4; i++) {
    const d = new DHT({ bootstrap: i === 0 ? false : [`127.0.0.1:${swarm[0]!.address().port}`], host: '127.0.0.1' });
    await new Promise<void>((resolve) => d.listen(0, '127.0.0.1', resolve));
    if (!d.ready) await new Promise<void>((resolve) => d.once('ready', () => resolve()));
    swarm.push(d);
  }
  const stop = new AbortController();
  const c = captureIO('', stop.signal);
  const running = overlayCommand.run(['start', '--mainline', '--bootstrap', `udp://localhost:${swarm[0]!.address().port}`, '--every', '50ms'], c.io);
  await until(() => /table \d+ contacts/.test(c.out()), 'a state line');
  stop.abort();
  assert.equal(await running, 0);
  const id = /^mainline node ([0-9a-f]{40}) at udp:\/\/127\.0\.0\.1:\d+$/m.exec(c.out())?.[1];
  assert.ok(id, c.out());
  assert.match(c.out(), new RegExp(`joined through udp://127\\.0\\.0\\.1:${swarm[0]!.address().port}: 4 contacts`), 'the name was resolved, all four found');
  assert.match(c.out(), /table 4 contacts, 0 peers for 0 info-hashes; lookups [1-9]\d*; served \d+ ping/);
  assert.ok(swarm.every((d) => d.nodes.get(Buffer.from(id, 'hex'))), 'every bittorrent-dht node has the CLI node in its table');
  assert.match(overlayCommand.help, /courier overlay start --bootstrap udp:\/\/127\.0\.0\.1:6881 --mainline/);
});
