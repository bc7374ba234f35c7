import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isCourierError } from '../../src/errors.ts';
import { connect, DataItemReader, DataItemWriter, listen } from '../../src/net/index.ts';

async function pair(t: TestContext) {
  const listener = await listen('tcp://127.0.0.1:0');
  const [a, b] = await Promise.all([connect(listener.address, { timeout: 2000 }), listener.accept({ timeout: 2000 })]);
  t.after(async () => {
    a.destroy();
    b.destroy();
    await listener.close();
  });
  return { writer: new DataItemWriter(a), reader: new DataItemReader(b), a };
}

test('every data item type survives the trip exactly', async (t) => {
  const { writer, reader } = await pair(t);
  await writer.writeBoolean(true);
  await writer.writeInt8(-128);
  await writer.writeInt16(32767);
  await writer.writeInt32(-2147483648);
  await writer.writeInt64(-(2n ** 63n));
  await writer.writeFloat32(1.5);
  await writer.writeFloat64(-0);
  await writer.writeChar('é');
  await writer.writeString('Smith 🚀 \u0000 end');
  await writer.writeBytes(new Uint8Array([0, 255, 7]));
  await writer.writeFloat64(Number.NaN);
  assert.equal(await reader.readBoolean(), true);
  assert.equal(await reader.readInt8(), -128);
  assert.equal(await reader.readInt16(), 32767);
  assert.equal(await reader.readInt32(), -2147483648);
  assert.equal(await reader.readInt64(), -(2n ** 63n));
  assert.equal(await reader.readFloat32(), 1.5);
  assert.ok(Object.is(await reader.readFloat64(), -0));
  assert.equal(await reader.readChar(), 'é');
  assert.equal(await reader.readString(), 'Smith 🚀 \u0000 end');
  assert.deepEqual(await reader.readBytes(), new Uint8Array([0, 255, 7]));
  assert.ok(Number.isNaN(await reader.readFloat64()));
});

test('reading an int where a double was written is ERR_DATA_ITEM_MISMATCH naming both, and loses nothing', async (t) => {
  const { writer, reader, a } = await pair(t);
  await writer.writeFloat64(3.25);
  await assert.rejects(reader.readInt32(), (e) => {
    assert.ok(isCourierError(e, 'ERR_DATA_ITEM_MISMATCH'));
    assert.match((e as Error).message, /int32.*float64/);
    return true;
  });
  assert.equal(await reader.peekType(), 'float64');
  assert.deepEqual(await reader.readAny(), { type: 'float64', value: 3.25 });
  await a.end();
  await assert.rejects(reader.readString(), (e) => isCourierError(e, 'ERR_END_OF_STREAM'));
  assert.equal(await reader.peekType(), null);
});

test('values out of their type range are refused on writing; malformed items on reading', async (t) => {
  const { writer, reader, a } = await pair(t);
  await assert.rejects(writer.writeInt8(128), (e) => isCourierError(e, 'ERR_ENCODE'));
  await assert.rejects(writer.writeInt32(1.5), (e) => isCourierError(e, 'ERR_ENCODE'));
  await assert.rejects(writer.writeInt64(2n ** 63n), (e) => isCourierError(e, 'ERR_ENCODE'));
  await assert.rejects(writer.writeChar('ab'), (e) => isCourierError(e, 'ERR_ENCODE'));
  await a.send(new Uint8Array([4, 1, 2])); // an int32 item with 2 payload bytes
  await a.send(new Uint8Array([99])); // no such type
  await a.send(new Uint8Array([9, 0xff, 0xfe])); // a string that is not UTF-8
  await assert.rejects(reader.readInt32(), (e) => isCourierError(e, 'ERR_DECODE'));
  await assert.rejects(reader.readAny(), (e) => isCourierError(e, 'ERR_DECODE'));
  await assert.rejects(reader.readString(), (e) => isCourierError(e, 'ERR_DECODE'));
});
