import { ParseError } from '../errors.ts';
import { t, type Infer } from '../marshal/schema.ts';
import { formatAddress, ipFamily, type InetAddress } from '../net/address.ts';

/**
 * A remote object reference: where the object lives (transport, internet address, port), when the
 * exporting endpoint was created, the object's number there, its interface, and a random secret.
 *
 * Address, port and creation time make the reference unique in space and time: object numbers only
 * increase within one endpoint's lifetime and are never reused, and a restarted endpoint has a new
 * creation time, so a reference to the old one is recognisably stale. The 64-bit secret means a reference
 * cannot be forged by guessing its number.
 */
export const remoteRefSchema = t.struct('courier::RemoteObjectRef', {
  transport: t.enum('courier::RefTransport', ['udp', 'tcp']),
  host: t.string(64),
  port: t.uint16(),
  /** Creation time of the exporting endpoint, milliseconds since the Unix epoch. */
  time: t.uint64(),
  objectNumber: t.uint32(),
  interfaceName: t.string(256),
  secret: t.uint64(),
});

export type RemoteRef = Infer<typeof remoteRefSchema>;

/** The endpoint part of a reference, as a net address. */
export function refAddress(ref: RemoteRef): InetAddress {
  return { transport: ref.transport, host: ref.host, port: ref.port };
}

/**
 * The short text form of a reference, for logs, command lines and registries:
 * `udp://127.0.0.1:9000/1764000000123/42/Counter#00112233aabbccdd` (address / time / number / interface # secret).
 */
export function formatRef(ref: RemoteRef): string {
  return `${formatAddress(refAddress(ref))}/${ref.time}/${ref.objectNumber}/${ref.interfaceName}#${ref.secret.toString(16).padStart(16, '0')}`;
}

const textForm = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[0-9.]+):(\d{1,5})\/(\d{1,20})\/(\d{1,10})\/([A-Za-z_][A-Za-z0-9_:.]{0,255})#([0-9a-f]{16})$/;

/** Parses the text form of `formatRef`. Throws ERR_PARSE naming what is wrong. */
export function parseRef(text: string): RemoteRef {
  const m = textForm.exec(text);
  if (!m) throw new ParseError(`'${text}' is not a remote object reference (expected udp://host:port/time/number/Interface#secret)`, { input: text });
  const [, transport, rawHost, port, time, objectNumber, interfaceName, secret] = m as unknown as string[];
  const host = rawHost!.startsWith('[') ? rawHost!.slice(1, -1) : rawHost!;
  if (ipFamily(host) === 0) throw new ParseError(`'${text}': '${host}' is not an IP address`, { input: text });
  const ref: RemoteRef = {
    transport: transport as 'udp' | 'tcp',
    host,
    port: Number(port),
    time: BigInt(time!),
    objectNumber: Number(objectNumber),
    interfaceName: interfaceName!,
    secret: BigInt(`0x${secret}`),
  };
  if (ref.port > 65535 || ref.objectNumber > 0xffff_ffff || ref.time >= 2n ** 64n) {
    throw new ParseError(`'${text}': a field is out of range`, { input: text });
  }
  return ref;
}

/** True when two references name the same object of the same endpoint incarnation (secret included). */
export function sameRef(a: RemoteRef, b: RemoteRef): boolean {
  return (
    a.objectNumber === b.objectNumber &&
    a.port === b.port &&
    a.time === b.time &&
    a.host === b.host &&
    a.transport === b.transport &&
    a.secret === b.secret &&
    a.interfaceName === b.interfaceName
  );
}

/** The reference of a well-known object (a registry): object number 0, time 0 and no secret. */
export function wellKnownRef(transport: 'udp' | 'tcp', host: string, port: number, interfaceName: string): RemoteRef {
  return { transport, host, port, time: 0n, objectNumber: 0, interfaceName, secret: 0n };
}
