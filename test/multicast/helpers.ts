// Shared by the multicast tests: fresh groups and ports, so parallel test files never hear each other.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { openMulticast, type MulticastEndpoint, type MulticastOptions } from '../../src/multicast/index.ts';

/**
 * A random group unlikely to be used by anything else: in 239.1.0.0 - 239.191.255.255 (admin-local scope,
 * clear of the organization- and site-local sub-scopes) or, with `ssm`, in 232/8.
 */
export function freshGroup(ssm = false): string {
  return `${ssm ? 232 : 239}.${randomInt(1, ssm ? 255 : 192)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** A UDP port no socket holds right now (the OS's ephemeral choice, released at once). */
export async function freshPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * Opens an endpoint on loopback. The host's lo has no multicast route, so every endpoint names 127.0.0.1
 * as its interface, to join on and to send from; traffic then never leaves the host.
 */
export function onLoopback(options: Omit<MulticastOptions, 'interface'>): Promise<MulticastEndpoint> {
  return openMulticast({ interface: '127.0.0.1', ...options });
}

export const text = (b: Uint8Array): string => Buffer.from(b).toString();
export const bytes = (s: string): Buffer => Buffer.from(s);
