/**
 * The JSON strings of google.protobuf.Timestamp (RFC 3339, UTC "Z" out, any offset in) and
 * google.protobuf.Duration ("-1.5s"), with the ranges protobuf allows. Each parser returns undefined for
 * text that is not in the format or out of range; the caller raises the typed error with the field path.
 */

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch. */
const MIN_TS = -62_135_596_800n;
const MAX_TS = 253_402_300_799n;
/** Duration seconds are bounded by ±10,000 years. */
const MAX_DURATION = 315_576_000_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Fractional seconds as protobuf prints them: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const s = String(nanos).padStart(9, '0');
  return '.' + (nanos % 1_000_000 === 0 ? s.slice(0, 3) : nanos % 1000 === 0 ? s.slice(0, 6) : s);
}

// protobuf accepts only upper-case T and Z, though RFC 3339 allows lower case.
const tsPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/** Parses an RFC 3339 timestamp into seconds and nanos, or undefined. */
export function parseTimestamp(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = tsPattern.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > 31 || h! > 23 || mi! > 59 || sec! > 59) return undefined;
  const days = daysFromCivil(y!, mo!, d!);
  // Reject 2001-02-30 and the like: the date must survive the round trip through a day count.
  if (daysFromCivil(y!, mo!, 1) + d! - 1 !== days || new Date(days * 86_400_000).getUTCMonth() !== mo! - 1) return undefined;
  let seconds = BigInt(days) * 86_400n + BigInt(h! * 3600 + mi! * 60 + sec!);
  if (m[9] !== undefined) {
    const off = (Number(m[10]) * 60 + Number(m[11])) * 60;
    seconds += BigInt(m[9] === '+' ? -off : off);
  }
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  if (seconds < MIN_TS || seconds > MAX_TS) return undefined;
  return { seconds, nanos };
}

/** Prints seconds and nanos as RFC 3339 in UTC, or undefined when out of protobuf's range. */
export function formatTimestamp(seconds: bigint, nanos: number): string | undefined {
  if (seconds < MIN_TS || seconds > MAX_TS || nanos < 0 || nanos > 999_999_999 || !Number.isInteger(nanos)) return undefined;
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return iso.slice(0, 19) + fraction(nanos) + 'Z';
}

const durationPattern = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/;

/** Parses "1.5s" / "-0.000001s" into seconds and nanos of the same sign, or undefined. */
export function parseDuration(s: string): { seconds: bigint; nanos: number } | undefined {
  const m = durationPattern.exec(s);
  if (!m) return undefined;
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION) return undefined;
  const nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, '0'));
  return m[1] ? { seconds: -seconds, nanos: nanos === 0 ? 0 : -nanos } : { seconds, nanos };
}

/** Prints a duration, or undefined when out of range or when seconds and nanos disagree in sign. */
export function formatDuration(seconds: bigint, nanos: number): string | undefined {
  if (seconds > MAX_DURATION || seconds < -MAX_DURATION || !Number.isInteger(nanos) || nanos > 999_999_999 || nanos < -999_999_999) return undefined;
  if ((seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) return undefined;
  const negative = seconds < 0n || nanos < 0;
  const abs = seconds < 0n ? -seconds : seconds;
  return `${negative ? '-' : ''}${abs}${fraction(Math.abs(nanos))}s`;
}
