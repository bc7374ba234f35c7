import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { connect, listen } from '../../src/net/tcp.ts';
import { haveOpenssl, makeCerts } from './fixtures/certs.ts';

test('message streams over TLS, with the client certificate checked', async (t) => {
  if (!haveOpenssl()) return t.skip('the openssl command is not installed: cannot make test certificates');
  const c = makeCerts();
  const listener = await listen('tcp://127.0.0.1:0', { tls: { key: c.serverKey, cert: c.serverCert, ca: c.ca, requestCert: true, rejectUnauthorized: true } });
  t.after(() => listener.close());

  const client = await connect(listener.address, { timeout: 5000, tls: { ca: c.ca, key: c.clientKey, cert: c.clientCert } });
  const server = await listener.accept({ timeout: 5000 });
  await client.send(Buffer.from('secret'));
  assert.equal(Buffer.from((await server.receive())!).toString(), 'secret');
  client.destroy();
  server.destroy();

  // No client certificate, or one from a CA the server does not trust: refused.
  for (const identity of [{}, { key: c.strangerKey, cert: c.strangerCert }]) {
    await assert.rejects(connect(listener.address, { timeout: 5000, tls: { ca: c.ca, ...identity } }), (e) => isCourierError(e, 'ERR_TLS'));
  }
  // A server the client does not trust: refused on the client side.
  await assert.rejects(connect(listener.address, { timeout: 5000, tls: { ca: c.strangerCert, key: c.clientKey, cert: c.clientCert } }), (e) => isCourierError(e, 'ERR_TLS'));
  assert.equal(listener.stats().accepted, 1);
});
