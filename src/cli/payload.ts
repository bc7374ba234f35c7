/** Shows a payload for people: as text when it is printable UTF-8, otherwise as hex (cut at `limit` bytes). */
export function showPayload(data: Uint8Array, limit = 256): string {
  const shown = data.subarray(0, limit);
  const more = data.length > limit ? ` … (${data.length - limit} more bytes)` : '';
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return JSON.stringify(text) + more;
  } catch {
    // Not UTF-8 (or cut inside a character): fall through to hex.
  }
  return `0x${Buffer.from(shown).toString('hex')}${more}`;
}

/** Reads standard input line by line (without line endings), up to `maxLineBytes` per line. */
export async function* stdinLines(input: NodeJS.ReadableStream): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      yield rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
    }
  }
  if (rest.length > 0) yield rest;
}
