/**
 * UTF-8 for the binary codecs, written for short strings: most field values are a few ASCII characters,
 * where a plain loop beats TextEncoder/TextDecoder (whose call overhead dominates below ~32 bytes).
 */

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Bytes needed for `s` in UTF-8, or -1 when it holds an unpaired surrogate (which UTF-8 cannot carry). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Writes `s` as UTF-8 into `buf` at `pos` (the caller has reserved 3 bytes per UTF-16 unit). Returns the
 * position after the last byte, -1 for an unpaired surrogate, -2 for a NUL (which CDR strings cannot hold).
 */
export function writeUtf8(buf: Uint8Array, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) return -2;
      buf[pos++] = c;
    } else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return -1;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      i++;
      buf[pos++] = 0xf0 | (c >> 18);
      buf[pos++] = 0x80 | ((c >> 12) & 63);
      buf[pos++] = 0x80 | ((c >> 6) & 63);
      buf[pos++] = 0x80 | (c & 63);
    } else {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 63);
      buf[pos++] = 0x80 | (c & 63);
    }
  }
  return pos;
}

/**
 * Reads `len` bytes of UTF-8 at `start`. Returns undefined when they are not valid UTF-8 or contain a NUL,
 * so the caller can raise ERR_DECODE with its own offset and path.
 */
export function readUtf8(buf: Uint8Array, start: number, len: number): string | undefined {
  if (len <= 16) {
    const end = start + len;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c === 0 || c >= 0x80) return slowRead(buf, start, len);
    }
    // Whole short ASCII strings in one fromCharCode call: no intermediate strings, no decoder call.
    const b = buf;
    const s = start;
    switch (len) {
      case 0:
        return '';
      case 1:
        return fromCharCode(b[s]!);
      case 2:
        return fromCharCode(b[s]!, b[s + 1]!);
      case 3:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!);
      case 4:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
      case 5:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
      case 6:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
      case 7:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
      case 8:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
      default:
        return fromCharCode(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!) + readUtf8(b, s + 8, len - 8)!;
    }
  }
  if (len <= 64) {
    let out = '';
    for (let i = start, e = start + len; i < e; i++) {
      const c = buf[i]!;
      if (c === 0 || c >= 0x80) return slowRead(buf, start, len);
      out += fromCharCode(c);
    }
    return out;
  }
  return slowRead(buf, start, len);
}

const fromCharCode = String.fromCharCode;

function slowRead(buf: Uint8Array, start: number, len: number): string | undefined {
  const bytes = buf.subarray(start, start + len);
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    // The fatal decoder throws a TypeError on malformed UTF-8; the caller turns undefined into ERR_DECODE.
    return undefined;
  }
}
