import { randomBytes } from 'node:crypto';
import { ClosedError, CourierError, DecodeError, EncodeError, NoSuchObjectError, NoSuchOperationError, ProtocolError, RemoteExceptionError } from '../errors.ts';
import { codec } from '../marshal/codec.ts';
import type { Codec, Format } from '../marshal/codec-types.ts';
import type { StructSchema } from '../marshal/schema.ts';
import { incarnationTime, realClock, type Clock } from '../net/clock.ts';
import { peerKey } from '../net/address.ts';
import { LEASE_DEFAULTS, LeaseTable, RELEASE_LEASE_OPERATION, RENEW_LEASE_OPERATION } from './leases.ts';
import { lookupInterface, PROXY_REF, Raised, type Implementation, type MethodInfo, type MethodSpec, type RemoteInterface, type RemoteProxy } from './interface.ts';
import { exceptionBodySchema, type CallSemantics } from './messages.ts';
import { callContext } from './call-context.ts';
import { DESCRIBE_OPERATION, describeInterface, NO_ARGS, parseInterfaceDescription } from './describe.ts';
import { formatRef, refAddress, wellKnownRef, type RemoteRef } from './reference.ts';
import { containsRefs, mapRefs, outgoingRef } from './refs.ts';
import type { RequestReplyTransport } from './transport.ts';
import type { CallOptions, IncomingRequest, Reply } from './udp-request-reply.ts';

export interface InvokeOptions {
  /** Marshalling format of arguments and results (default 'cdr'); both ends must agree. */
  readonly format?: Format;
  /** Creation time written into this endpoint's references (default: now, unique in this process). */
  readonly incarnation?: number;
  /** Host written into references, when the bound one (e.g. 0.0.0.0) is not what clients should use. */
  readonly advertiseHost?: string;
  /** Per-call defaults for proxies made here. */
  readonly call?: { readonly timeout?: number; readonly semantics?: CallSemantics };
  /** Client: proxies made here take leases on their objects and renew them (default false). */
  readonly leases?: boolean;
  /** Server: how long a lease on a collectable object lasts, ms (default 60,000). */
  readonly leaseDuration?: number;
  /** Time for leases (default realClock). */
  readonly clock?: Clock;
}

interface Exported {
  readonly impl: Record<string, (...args: unknown[]) => unknown>;
  readonly iface: RemoteInterface;
  readonly ref: RemoteRef;
}

// Codecs compiled per (schema, format): an interface's codecs are built on first use, then reused.
const compiled = new WeakMap<StructSchema, Map<Format, Codec<unknown>>>();
function codecFor(schema: StructSchema, format: Format): Codec<unknown> {
  let byFormat = compiled.get(schema);
  if (!byFormat) compiled.set(schema, (byFormat = new Map()));
  let c = byFormat.get(format);
  if (!c) byFormat.set(format, (c = codec(schema, format) as Codec<unknown>));
  return c;
}

/**
 * Remote invocation over a request-reply transport: exports local objects (giving references) and makes
 * typed proxies from references. Requests are served concurrently. Invoking a removed object, a reference
 * from an earlier incarnation of this endpoint, or one with a wrong secret gives ERR_NO_SUCH_OBJECT; such
 * a call never reaches another object, because object numbers are never reused.
 */
export class ObjectEndpoint implements AsyncDisposable {
  readonly incarnation: number;
  private readonly format: Format;
  private readonly objects = new Map<number, Exported>();
  private nextObjectNumber = 1;
  private readonly serving: Promise<void>;
  private closed = false;
  private readonly clock: Clock;
  /** Server side: leases on collectable objects. */
  readonly leases: LeaseTable;
  /** Client side: renewal timers of leased proxies, by reference text. */
  private readonly renewals = new Map<string, () => void>();

  constructor(
    readonly transport: RequestReplyTransport,
    private readonly options: InvokeOptions = {},
  ) {
    this.format = options.format ?? 'cdr';
    this.incarnation = options.incarnation ?? incarnationTime();
    this.clock = options.clock ?? realClock;
    this.leases = new LeaseTable(this.clock, options.leaseDuration ?? LEASE_DEFAULTS.duration, (n) => this.objects.delete(n));
    this.serving = this.serve();
  }

  /** Exports `impl` as an object of `iface` and returns its reference. Numbers only ever increase. */
  export<M extends Record<string, MethodSpec>>(impl: Implementation<M>, iface: RemoteInterface<M>, opts: { collectable?: boolean } = {}): RemoteRef {
    if (this.closed) throw new ClosedError('object endpoint is closed');
    const objectNumber = this.nextObjectNumber++;
    const address = this.transport.address;
    const ref: RemoteRef = {
      transport: address.transport,
      host: this.options.advertiseHost ?? address.host,
      port: address.port,
      time: BigInt(this.incarnation),
      objectNumber,
      interfaceName: iface.name,
      secret: randomBytes(8).readBigUInt64BE(0),
    };
    this.objects.set(objectNumber, { impl: impl as unknown as Exported['impl'], iface, ref });
    if (opts.collectable) this.leases.track(objectNumber);
    return ref;
  }

  /**
   * Exports `impl` under a well-known reference (object number 0, time 0, no secret), as a registry is:
   * anyone who knows the endpoint's address can invoke it. Returns that reference.
   */
  exportWellKnown<M extends Record<string, MethodSpec>>(impl: Implementation<M>, iface: RemoteInterface<M>): RemoteRef {
    const address = this.transport.address;
    const ref = wellKnownRef(address.transport, this.options.advertiseHost ?? address.host, address.port, iface.name);
    this.objects.set(0, { impl: impl as unknown as Exported['impl'], iface, ref });
    return ref;
  }

  /** Asks the object `ref` names for its interface (method names and schemas), for callers that have no definition of it. */
  async describe(ref: RemoteRef, opts: CallOptions = {}): Promise<RemoteInterface> {
    const reply = await this.transport.doOperation(refAddress(ref), { target: ref, operation: DESCRIBE_OPERATION, body: new Uint8Array(0) }, { ...this.options.call, ...opts });
    if (reply.status !== 'ok') return this.resultOf(ref, { name: 'describe', operation: DESCRIBE_OPERATION, argNames: [], argsSchema: NO_ARGS, resultSchema: undefined, raises: new Map() }, reply) as never;
    return parseInterfaceDescription(Buffer.from(reply.body).toString('utf8'));
  }

  /** Invokes `method` of `iface` on `ref` with arguments given as JSON values (the command line's way in). */
  async invokeJson(ref: RemoteRef, iface: RemoteInterface, method: string, args: readonly unknown[]): Promise<unknown> {
    const info = iface.methods.find((m) => m.name === method);
    if (!info) throw new NoSuchOperationError(`${iface.name} has no method ${method} (it has ${iface.methods.map((m) => m.name).join(', ')})`);
    const json = codecFor(info.argsSchema, 'json');
    const value = json.decode(Buffer.from(JSON.stringify(Object.fromEntries(info.argNames.map((n, i) => [n, args[i]])))));
    return this.invoke(ref, info, info.argNames.map((n) => (value as Record<string, unknown>)[n]));
  }

  /** Removes an exported object: later invocations get ERR_NO_SUCH_OBJECT. Returns false if it was not exported here. */
  remove(ref: RemoteRef | RemoteProxy<Record<string, never>>): boolean {
    const r = (ref as { [PROXY_REF]?: RemoteRef })[PROXY_REF] ?? (ref as RemoteRef);
    const entry = this.objects.get(r.objectNumber);
    if (!entry || entry.ref.secret !== r.secret || entry.ref.time !== r.time) return false;
    this.leases.forget(r.objectNumber);
    return this.objects.delete(r.objectNumber);
  }

  /** Objects exported and not removed. */
  get exportedCount(): number {
    return this.objects.size;
  }

  /** A typed proxy for the object `ref` names; its methods invoke the remote object. */
  proxy<M extends Record<string, MethodSpec>>(ref: RemoteRef, iface: RemoteInterface<M>): RemoteProxy<M> {
    if (ref.interfaceName !== iface.name) throw new EncodeError(`reference ${formatRef(ref)} is to a ${ref.interfaceName}, not a ${iface.name}`);
    const proxy: Record<string | symbol, unknown> = { [PROXY_REF]: ref };
    for (const m of iface.methods) proxy[m.name] = (...args: unknown[]) => this.invoke(ref, m, args);
    Object.defineProperty(proxy, 'toString', { value: () => formatRef(ref), enumerable: false });
    if (this.options.leases) this.holdLease(ref);
    return Object.freeze(proxy) as unknown as RemoteProxy<M>;
  }

  /**
   * Gives up this endpoint's lease on the object behind `proxy` (a clean release) and stops renewing it.
   * Without a release, the lease simply expires, as it does for a client that crashed.
   */
  async release(proxy: RemoteProxy<Record<string, never>> | RemoteRef): Promise<void> {
    const ref = (proxy as { [PROXY_REF]?: RemoteRef })[PROXY_REF] ?? (proxy as RemoteRef);
    const key = formatRef(ref);
    this.renewals.get(key)?.();
    this.renewals.delete(key);
    await this.transport.doOperation(refAddress(ref), { target: ref, operation: RELEASE_LEASE_OPERATION, body: new Uint8Array(0) }, this.options.call ?? {});
  }

  // Renews a lease on `ref` now and then at half the granted duration, until released or closed. The
  // server grants 0 for an object that is not collectable, which ends the renewals.
  private holdLease(ref: RemoteRef): void {
    const key = formatRef(ref);
    if (this.renewals.has(key)) return;
    let cancel: (() => void) | undefined;
    let stopped = false;
    const renew = async () => {
      try {
        const reply = await this.transport.doOperation(refAddress(ref), { target: ref, operation: RENEW_LEASE_OPERATION, body: new Uint8Array(0) }, this.options.call ?? {});
        const granted = reply.status === 'ok' && reply.body.length === 4 ? new DataView(reply.body.buffer, reply.body.byteOffset, 4).getUint32(0) : 0;
        if (stopped || granted === 0) return void this.renewals.delete(key);
        cancel = this.clock.setTimer(() => void renew(), granted / 2);
      } catch {
        // A renewal that got no answer is tried again soon; the lease may still be running.
        if (!stopped && !this.closed) cancel = this.clock.setTimer(() => void renew(), 1000);
      }
    };
    this.renewals.set(key, () => {
      stopped = true;
      cancel?.();
    });
    void renew();
  }

  /**
   * Stops serving and closes the transport. Requests still executing are not waited for (a method may
   * never return); their replies can no longer be sent, and their callers see the transport's error.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.renewals.values()) stop();
    this.renewals.clear();
    this.leases.dispose();
    await this.transport.close();
    await this.serving;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- client side ----

  private async invoke(ref: RemoteRef, method: MethodInfo, args: unknown[]): Promise<unknown> {
    const argsValue: Record<string, unknown> = {};
    method.argNames.forEach((name, i) => (argsValue[name] = args[i]));
    const outgoing = containsRefs(method.argsSchema) ? mapRefs(method.argsSchema, argsValue, outgoingRef) : argsValue;
    const body = codecFor(method.argsSchema, this.format).encode(outgoing);
    const reply = await this.transport.doOperation(refAddress(ref), { target: ref, operation: method.operation, body }, this.options.call ?? {});
    return this.resultOf(ref, method, reply);
  }

  private resultOf(ref: RemoteRef, method: MethodInfo, reply: Reply): unknown {
    const where = { reference: formatRef(ref), method: method.name };
    switch (reply.status) {
      case 'ok': {
        if (!method.resultSchema) return undefined;
        const decoded = codecFor(method.resultSchema, this.format).decode(reply.body) as { value: unknown };
        const withProxies = containsRefs(method.resultSchema) ? (mapRefs(method.resultSchema, decoded, (v) => this.incomingRef(v)) as { value: unknown }) : decoded;
        return withProxies.value;
      }
      case 'exception': {
        const raised = codecFor(exceptionBodySchema, this.format).decode(reply.body) as { name: string; value: Uint8Array };
        const schema = method.raises.get(raised.name);
        if (!schema) throw new RemoteExceptionError(raised.name, Buffer.from(raised.value).toString('utf8'), where);
        throw new RemoteExceptionError(raised.name, codecFor(schema, this.format).decode(raised.value), where);
      }
      case 'noSuchObject':
        throw new NoSuchObjectError(`no such object: ${formatRef(ref)} was removed, is from an earlier incarnation of its endpoint, or is forged`, where);
      case 'noSuchOperation':
        throw new NoSuchOperationError(`${ref.interfaceName} at ${formatRef(ref)} has no operation ${method.operation} (${method.name})`, where);
      case 'badRequest':
        throw new ProtocolError(`the server could not decode the arguments of ${method.name}: ${Buffer.from(reply.body).toString('utf8')}`, where);
    }
  }

  // A reference arriving in a result or an argument becomes a proxy, if we know its interface here.
  private incomingRef(value: unknown): unknown {
    const ref = value as RemoteRef;
    const iface = lookupInterface(ref.interfaceName);
    return iface ? this.proxy(ref, iface) : ref;
  }

  // ---- server side ----

  private async serve(): Promise<void> {
    for (;;) {
      let request: IncomingRequest;
      try {
        request = await this.transport.getRequest();
      } catch (err) {
        if (err instanceof CourierError && err.code === 'ERR_CLOSED') return;
        throw err;
      }
      // Each request is served concurrently; the loop goes straight back for the next one.
      void this.dispatch(request);
    }
  }

  private async dispatch(request: IncomingRequest): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.execute(request);
    } catch (err) {
      // execute() answers every failure of the method itself; this is a failure to marshal the answer.
      reply = this.undeclared(err);
    }
    await this.transport.sendReply(request, reply).catch(() => undefined /* the client will time out and may retry */);
  }

  private async execute(request: IncomingRequest): Promise<Reply> {
    const target = request.target;
    const entry = this.objects.get(target.objectNumber);
    if (!entry || target.time !== entry.ref.time || target.secret !== entry.ref.secret || target.interfaceName !== entry.ref.interfaceName) {
      return { status: 'noSuchObject', body: new Uint8Array(0) };
    }
    if (request.operation === DESCRIBE_OPERATION) return { status: 'ok', body: Buffer.from(describeInterface(entry.iface)) };
    if (request.operation === RENEW_LEASE_OPERATION || request.operation === RELEASE_LEASE_OPERATION) return this.leaseReply(request);
    const method = entry.iface.methods[request.operation];
    if (!method) return { status: 'noSuchOperation', body: new Uint8Array(0) };
    let args: unknown[];
    try {
      const decoded = codecFor(method.argsSchema, this.format).decode(request.body);
      const withProxies = containsRefs(method.argsSchema) ? mapRefs(method.argsSchema, decoded, (v) => this.incomingRef(v)) : decoded;
      args = method.argNames.map((n) => (withProxies as Record<string, unknown>)[n]);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      return { status: 'badRequest', body: Buffer.from(err.message) };
    }
    try {
      const fn = entry.impl[method.name];
      if (typeof fn !== 'function') return { status: 'noSuchOperation', body: new Uint8Array(0) };
      const result = await callContext.run({ from: request.from, target }, () => fn.apply(entry.impl, args));
      if (!method.resultSchema) return { status: 'ok', body: new Uint8Array(0) };
      const value = { value: result };
      const outgoing = containsRefs(method.resultSchema) ? mapRefs(method.resultSchema, value, (v, iface, path) => this.outgoingResultRef(v, iface, path)) : value;
      return { status: 'ok', body: codecFor(method.resultSchema, this.format).encode(outgoing) };
    } catch (err) {
      return this.exceptionReply(method, err);
    }
  }

  private leaseReply(request: IncomingRequest): Reply {
    const holder = peerKey(request.from.host, request.from.port);
    const body = new Uint8Array(4);
    if (request.operation === RELEASE_LEASE_OPERATION) this.leases.release(request.target.objectNumber, holder);
    else new DataView(body.buffer).setUint32(0, this.leases.renew(request.target.objectNumber, holder));
    return { status: 'ok', body };
  }

  // A result may name an object by proxy, by reference, or be a local implementation to export on the spot.
  private outgoingResultRef(value: unknown, iface: string, path: string): RemoteRef {
    const known = lookupInterface(iface);
    if (known && typeof value === 'object' && value !== null && !(PROXY_REF in value) && !('objectNumber' in value)) {
      return this.export(value as Implementation<Record<string, never>>, known as RemoteInterface<Record<string, never>>);
    }
    return outgoingRef(value, iface, path);
  }

  private exceptionReply(method: MethodInfo, err: unknown): Reply {
    const body = codecFor(exceptionBodySchema, this.format);
    if (err instanceof Raised && method.raises.get(err.schema.name) === err.schema) {
      const value = codecFor(err.schema, this.format).encode(err.value); // ERR_ENCODE here is reported as undeclared
      return { status: 'exception', body: body.encode({ name: err.schema.name, value }) };
    }
    return this.undeclared(err);
  }

  // An undeclared failure: the caller learns that it happened and its message, not the server's stack.
  private undeclared(err: unknown): Reply {
    const message = err instanceof Error ? err.message : String(err);
    const body = codecFor(exceptionBodySchema, this.format).encode({ name: 'courier::UndeclaredError', value: Buffer.from(message.slice(0, 4096)) });
    return { status: 'exception', body };
  }
}
