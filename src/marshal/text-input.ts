import { DecodeError } from '../errors.ts';
import type { Limits } from './limits.ts';

// Fatal: malformed UTF-8 is an error, never replacement characters. A leading BOM is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The input checks every text format makes before parsing: the input is a Uint8Array, within
 * `maxMessageBytes`, and valid UTF-8. ERR_DECODE at offset 0 otherwise; `notUtf8` says which format failed.
 */
export function readUtf8Input(bytes: Uint8Array, limits: Limits, root: string, notUtf8: string): string {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected a Uint8Array to decode', { offset: 0, path: root });
  if (bytes.length > limits.maxMessageBytes) {
    throw new DecodeError(`input of ${bytes.length} bytes exceeds maxMessageBytes (${limits.maxMessageBytes})`, { offset: 0, path: root, limit: limits.maxMessageBytes });
  }
  try {
    return utf8.decode(bytes);
  } catch {
    // The fatal decoder's TypeError carries no position; the offset is not worth a second scan.
    throw new DecodeError(notUtf8, { offset: 0, path: root });
  }
}
