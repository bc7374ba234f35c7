// Java serialization streams built by hand, byte by byte, for the reader, writer and inspector tests, and
// the mutations their fuzz tests apply to streams.
import fc from 'fast-check';
import { isCourierError } from '../../src/errors.ts';

/** A string as the stream writes a class or field name: a 16-bit length, then the (ASCII) bytes. */
export const utf = (s: string) => [s.length >> 8, s.length & 255, ...Buffer.from(s, 'latin1')];

/** class P { int x; String n; } written once (x = 7, n = "hi"), then a back-reference to the same object. */
export const pointStream = new Uint8Array([
  0xac, 0xed, 0x00, 0x05,
  0x73, 0x72, ...utf('P'), 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0x00, 0x02,
  0x49, ...utf('x'),
  0x4c, ...utf('n'), 0x74, ...utf('Ljava/lang/String;'),
  0x78, 0x70,
  0x00, 0x00, 0x00, 0x07,
  0x74, ...utf('hi'),
  0x71, 0x00, 0x7e, 0x00, 0x02,
]);

/** Up to four mutations of a stream: a byte overwritten, or the stream cut, at a position. */
export const mutations = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.boolean() }), { minLength: 1, maxLength: 4 });

/** `bytes` with `ms` applied in turn (a copy), stopping once nothing is left. */
export function mutate(bytes: Uint8Array, ms: readonly { at: number; byte: number; cut: boolean }[]): Uint8Array {
  let b = bytes;
  for (const m of ms) {
    const at = m.at % b.length;
    if (m.cut) b = b.slice(0, at);
    else {
      b = b.slice();
      b[at] = m.byte;
    }
    if (b.length === 0) break;
  }
  return b;
}

/** Runs `read` on damaged input: it may succeed or throw ERR_DECODE, and nothing else. */
export function onlyDecodeErrors(read: () => unknown): void {
  try {
    read();
  } catch (err) {
    if (!isCourierError(err, 'ERR_DECODE')) throw err;
  }
}
