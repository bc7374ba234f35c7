import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CourierError, isCourierError } from '../../src/errors.ts';
import { formatAddress, parseAddress } from '../../src/net/index.ts';

test('addresses parse from and format to their text form', () => {
  assert.deepEqual(parseAddress('udp://127.0.0.1:9000'), { transport: 'udp', host: '127.0.0.1', port: 9000 });
  assert.deepEqual(parseAddress('tcp://[::1]:80'), { transport: 'tcp', host: '::1', port: 80 });
  assert.deepEqual(parseAddress('tcp://localhost:0'), { transport: 'tcp', host: 'localhost', port: 0 });
  assert.deepEqual(parseAddress('ipc:///tmp/app.sock'), { transport: 'ipc', path: '/tmp/app.sock' });
  for (const text of ['udp://127.0.0.1:9000', 'tcp://[::1]:80', 'ipc:///tmp/app.sock']) assert.equal(formatAddress(parseAddress(text)), text);
});

test('bad addresses are ERR_INVALID_ADDRESS naming the input', () => {
  for (const bad of ['127.0.0.1:9000', 'http://x:1', 'udp://127.0.0.1', 'udp://127.0.0.1:65536', 'tcp://::1:80', 'ipc://relative', 'udp://bad host:1']) {
    assert.throws(() => parseAddress(bad), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS') && (e as CourierError).context.input === bad, bad);
  }
  assert.throws(() => parseAddress('tcp://127.0.0.1:1', 'udp'), (e) => isCourierError(e, 'ERR_INVALID_ADDRESS'));
});

test('any string either parses or gives ERR_INVALID_ADDRESS (property)', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        const a = parseAddress(s);
        assert.equal(formatAddress(parseAddress(formatAddress(a))), formatAddress(a));
      } catch (err) {
        assert.ok(isCourierError(err, 'ERR_INVALID_ADDRESS'));
      }
    }),
  );
});
