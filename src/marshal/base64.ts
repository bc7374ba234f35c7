/** Base64 for bytes in JSON and XML: standard alphabet with padding out, standard or URL-safe in. */

const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const urlSafe = /^[A-Za-z0-9_-]*$/;

export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Decodes base64 text, or returns undefined when it is not base64 (Buffer alone would skip bad characters). */
export function fromBase64(s: string): Uint8Array | undefined {
  if (strict.test(s)) return new Uint8Array(Buffer.from(s, 'base64'));
  if (urlSafe.test(s) && s.length % 4 !== 1) return new Uint8Array(Buffer.from(s, 'base64url'));
  return undefined;
}
