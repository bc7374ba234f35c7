import { InvalidArgumentError } from '../errors.ts';
import { t } from '../marshal/schema.ts';
import { ipFamily, type InetAddress } from '../net/address.ts';
import { currentCall } from './call-context.ts';
import { defineInterface, raise } from './interface.ts';
import type { ObjectEndpoint } from './objects.ts';
import { remoteRefSchema, wellKnownRef, type RemoteRef } from './reference.ts';

/**
 * A name service for references, like Java's rmiregistry: servers bind names to references, clients look
 * them up. It is a remote object itself, exported under a well-known reference (object number 0), so a
 * client needs only the registry's address. Changes (bind, rebind, unbind) are accepted from this host
 * only, as rmiregistry does; lookups from anywhere.
 */
export const NotBound = t.struct('courier::NotBound', { name: t.string(256) });
export const AlreadyBound = t.struct('courier::AlreadyBound', { name: t.string(256) });
export const NotPermitted = t.struct('courier::NotPermitted', { reason: t.string(256) });
export const RegistryFull = t.struct('courier::RegistryFull', { limit: t.uint32() });

export const Registry = defineInterface('courier::Registry', {
  bind: { args: [t.string(256), remoteRefSchema], argNames: ['name', 'ref'], raises: [AlreadyBound, NotPermitted, RegistryFull] },
  rebind: { args: [t.string(256), remoteRefSchema], argNames: ['name', 'ref'], raises: [NotPermitted, RegistryFull] },
  unbind: { args: [t.string(256)], argNames: ['name'], raises: [NotBound, NotPermitted] },
  lookup: { args: [t.string(256)], argNames: ['name'], result: remoteRefSchema, raises: [NotBound] },
  list: { args: [], result: t.sequence(t.string(256)) },
});

export const REGISTRY_DEFAULTS = Object.freeze({ maxNames: 10_000 });

/** Serves a registry on `endpoint` under its well-known reference; returns the names table for inspection. */
export function serveRegistry(endpoint: ObjectEndpoint, options: { maxNames?: number; onChange?: (what: string, name: string, ref?: RemoteRef) => void } = {}): Map<string, RemoteRef> {
  const names = new Map<string, RemoteRef>();
  const maxNames = options.maxNames ?? REGISTRY_DEFAULTS.maxNames;
  const local = () => {
    const from = currentCall()?.from;
    if (from && !isLoopback(from)) raise(NotPermitted, { reason: `changes are accepted from this host only, not from ${from.host}` });
  };
  const room = (name: string) => {
    if (!names.has(name) && names.size >= maxNames) raise(RegistryFull, { limit: maxNames });
  };
  endpoint.exportWellKnown(
    {
      bind: (name, ref) => {
        local();
        if (names.has(name)) raise(AlreadyBound, { name });
        room(name);
        names.set(name, ref);
        options.onChange?.('bind', name, ref);
      },
      rebind: (name, ref) => {
        local();
        room(name);
        names.set(name, ref);
        options.onChange?.('rebind', name, ref);
      },
      unbind: (name) => {
        local();
        if (!names.delete(name)) raise(NotBound, { name });
        options.onChange?.('unbind', name);
      },
      lookup: (name) => names.get(name) ?? raise(NotBound, { name }),
      list: () => [...names.keys()].sort(),
    },
    Registry,
  );
  return names;
}

/** A proxy for the registry at `address` (udp:// or tcp://, as the registry's endpoint listens). */
export function registryAt(endpoint: ObjectEndpoint, address: InetAddress) {
  if (address.transport !== endpoint.transport.address.transport) {
    throw new InvalidArgumentError(`a ${endpoint.transport.address.transport} endpoint cannot reach a registry at ${address.transport}://`);
  }
  return endpoint.proxy(wellKnownRef(address.transport, address.host, address.port, Registry.name), Registry);
}

function isLoopback(address: InetAddress): boolean {
  const host = address.host;
  return ipFamily(host) === 6 ? host === '::1' || host.startsWith('::ffff:127.') : host.startsWith('127.');
}
