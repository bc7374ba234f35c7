// Java serialization streams built by hand, byte by byte, for the reader, writer and inspector tests.

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
