import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionBrokenError, CourierError, isCourierError, TimeoutError } from '../src/errors.ts';

test('every courier error has a stable code, a name and its context', () => {
  const err = new TimeoutError('receive timed out after 50 ms', { timeoutMs: 50 });
  assert.ok(err instanceof CourierError);
  assert.equal(err.code, 'ERR_TIMEOUT');
  assert.equal(err.name, 'TimeoutError');
  assert.deepEqual(err.context, { timeoutMs: 50 });
  assert.ok(isCourierError(err, 'ERR_TIMEOUT'));
  assert.ok(!isCourierError(err, 'ERR_DECODE'));
  assert.ok(!isCourierError(new Error('x')));
});

test('a broken connection says which sent messages were never confirmed', () => {
  const err = new ConnectionBrokenError('peer reset the connection', { sent: 10, confirmed: 7 });
  assert.equal(err.code, 'ERR_CONNECTION_BROKEN');
  assert.equal(err.unconfirmed, 3);
  assert.match(err.message, /messages 8\.\.10 of 10 sent were never confirmed/);
  assert.match(err.message, /cannot say which/);
});
