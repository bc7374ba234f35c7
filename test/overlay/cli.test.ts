import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overlayCommand } from '../../src/cli/commands/overlay.ts';
import { captureIO } from '../cli/io.ts';

test('courier overlay start runs a node; put and get through it store and find a value', async () => {
  const stop = new AbortController();
  const a = captureIO('', stop.signal);
  const running = overlayCommand.run(['start', '--every', '50ms'], a.io);
  while (!a.out().includes(' at udp://')) await new Promise((r) => setTimeout(r, 10));
  const address = /at (udp:\/\/\S+)/.exec(a.out())![1]!;
  const b = captureIO('', stop.signal);
  const second = overlayCommand.run(['start', '--bootstrap', address, '--every', '50ms'], b.io);
  while (!b.out().includes('joined through')) await new Promise((r) => setTimeout(r, 10));
  const put = captureIO();
  assert.equal(await overlayCommand.run(['put', 'colour', 'blue', '--bootstrap', address], put.io), 0);
  assert.match(put.out(), /stored 'colour' on [1-9]\d* nodes/);
  const get = captureIO();
  assert.equal(await overlayCommand.run(['get', 'colour', '--bootstrap', address], get.io), 0);
  assert.equal(get.out(), 'blue\n');
  const none = captureIO();
  assert.equal(await overlayCommand.run(['get', 'shape', '--bootstrap', address], none.io), 1);
  stop.abort();
  assert.equal(await running, 0);
  assert.equal(await second, 0);
  assert.match(a.out(), /table \d+ contacts, 1 values/);
});

test('courier overlay sim prints the figures of a small simulated overlay', async () => {
  const c = captureIO();
  assert.equal(await overlayCommand.run(['sim', '--nodes', '60', '--lookups', '30', '--loss', '0.05'], c.io), 0);
  assert.match(c.out(), /^60 nodes, no churn, 5% loss, seed 1/);
  assert.match(c.out(), /lookup success\s+\d/);
  assert.match(c.out(), /route stretch p50/);
  await assert.rejects(overlayCommand.run(['sim', '--loss', '2'], captureIO().io), /--loss/);
});

test('courier overlay sim --filtered puts a share of the nodes behind filters and measures reaching them through relays', async () => {
  const c = captureIO();
  assert.equal(await overlayCommand.run(['sim', '--nodes', '60', '--lookups', '20', '--filtered', '0.3'], c.io), 0);
  assert.match(c.out(), /^60 nodes, no churn, 0% loss, 30% filtered, seed 1/);
  const reach = /reach filtered node success\s+([\d.]+)/.exec(c.out());
  assert.ok(reach, c.out());
  assert.ok(Number(reach[1]) > 50, `most reaches succeed on a lossless network: ${reach[1]}`);
  await assert.rejects(overlayCommand.run(['sim', '--filtered', '1'], captureIO().io), /--filtered/);
});
