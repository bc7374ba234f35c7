// The shared table of short decoded strings gives exactly what decoding the bytes afresh gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { readShortString } from '../../src/marshal/protobuf/short-strings.ts';
import { readUtf8 } from '../../src/marshal/utf8.ts';

test('readShortString equals a fresh decode for any bytes, however the table slots collide', () => {
  // A small alphabet makes repeats and slot collisions between different strings likely.
  const bytes = fc.uint8Array({ maxLength: 12 }).map((b) => b.map((x) => [0x61, 0x62, 0x00, 0xc3, 0xa9, 0xff, x][x % 7]!));
  fc.assert(
    fc.property(fc.array(bytes, { minLength: 1, maxLength: 50 }), (list) => {
      for (const b of [...list, ...list]) {
        const padded = new Uint8Array(b.length + 4);
        padded.set(b, 2);
        assert.equal(readShortString(padded, 2, b.length), readUtf8(padded, 2, b.length));
      }
    }),
    { numRuns: 300 },
  );
});
