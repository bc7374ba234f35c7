import { SchemaError } from '../errors.ts';
import { t, type Infer, type Schema, type StructSchema, type Typed } from '../marshal/schema.ts';
import { remoteRefSchema, type RemoteRef } from './reference.ts';

/**
 * A remote interface, described with the schema: each method's argument types (positional), its result
 * type (none for a method that returns nothing) and the exceptions it may raise (named structs).
 * The operation id of a method is its position in the description, so both ends must use the same one.
 */
export interface MethodSpec<A extends readonly Schema[] = readonly Schema[], R extends Schema | undefined = Schema | undefined> {
  readonly args: A;
  readonly result?: R;
  /** Declared exceptions: structs whose names identify them on the wire. */
  readonly raises?: readonly StructSchema[];
  /** Names for the arguments in XML/JSON; default arg1, arg2, … */
  readonly argNames?: readonly string[];
}

type MethodSpecs = Record<string, MethodSpec>;

type ArgValues<A> = { -readonly [I in keyof A]: Infer<A[I]> };
type ResultValue<R> = R extends Schema ? Infer<R> : void;

/** The client's view of a remote object: each method returns a promise of its result. */
export type RemoteProxy<M extends MethodSpecs> = {
  readonly [K in keyof M]: M[K] extends MethodSpec<infer A, infer R> ? (...args: ArgValues<A>) => Promise<ResultValue<R>> : never;
};

/**
 * What a server exports: an object whose methods take the arguments and return (or resolve to) the
 * result. Where the result is a reference, a local implementation may be returned: it is exported on the spot.
 */
export type Implementation<M extends MethodSpecs> = {
  readonly [K in keyof M]: M[K] extends MethodSpec<infer A, infer R> ? (...args: ArgValues<A>) => ImplResult<R> | Promise<ImplResult<R>> : never;
};

type ImplResult<R> = R extends { readonly [refBrand]?: infer X extends MethodSpecs } ? RemoteProxy<X> | Implementation<X> | RemoteRef : ResultValue<R>;

/** One method, compiled: its operation id and the schemas of its argument list and result. */
export interface MethodInfo {
  readonly name: string;
  readonly operation: number;
  readonly argsSchema: StructSchema;
  readonly argNames: readonly string[];
  readonly resultSchema: StructSchema | undefined;
  readonly raises: ReadonlyMap<string, StructSchema>;
}

export interface RemoteInterface<M extends MethodSpecs = MethodSpecs> {
  readonly name: string;
  readonly methods: readonly MethodInfo[];
  /** Phantom: the method specs, for typing proxies and implementations. */
  readonly specs?: M;
}

/** Describes a remote interface. Throws ERR_SCHEMA for a bad name or argument names that do not fit. */
export function defineInterface<const M extends MethodSpecs>(name: string, methods: M): RemoteInterface<M> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/.test(name)) throw new SchemaError(`'${name}' is not a valid interface name`, { interface: name });
  const infos = Object.entries(methods).map(([method, spec], operation): MethodInfo => {
    const argNames = spec.argNames ?? spec.args.map((_, i) => `arg${i + 1}`);
    if (argNames.length !== spec.args.length) throw new SchemaError(`${name}.${method}: ${argNames.length} argument names for ${spec.args.length} arguments`, { interface: name, method });
    const fields = Object.fromEntries(argNames.map((n, i) => [n, spec.args[i]!]));
    const raises = new Map<string, StructSchema>();
    for (const e of spec.raises ?? []) raises.set(e.name, e);
    return Object.freeze({
      name: method,
      operation,
      argNames,
      argsSchema: t.struct(`${name}::${method}_args`, fields),
      resultSchema: spec.result === undefined ? undefined : t.struct(`${name}::${method}_result`, { value: spec.result }),
      raises,
    });
  });
  const iface: RemoteInterface<M> = Object.freeze({ name, methods: Object.freeze(infos) });
  interfaces.set(name, iface);
  return iface;
}

// Every interface defined in this process, by name, so a reference arriving anywhere can become a proxy.
const interfaces = new Map<string, RemoteInterface>();

/** The interface defined under `name` in this process (the latest definition), if any. */
export function lookupInterface(name: string): RemoteInterface | undefined {
  return interfaces.get(name);
}

/** Marks the reference struct used for objects of one interface, so codecs carry references and proxies arrive. */
export const REF_ANNOTATION = 'invoke';

/**
 * The schema of a reference to an object of `iface`, for use in arguments and results: a proxy (or a
 * reference) given where it appears is sent as its reference, and arrives as a proxy.
 */
export function refTo<M extends MethodSpecs>(iface: RemoteInterface<M>): RefSchema<M> {
  const schema: StructSchema = Object.freeze({ ...remoteRefSchema, annotations: { [REF_ANNOTATION]: { interface: iface.name } } });
  // The value type differs from the struct's on purpose: callers handle proxies; the walk in refs.ts
  // converts between proxies and RemoteRef values around the codec.
  return schema as RefSchema<M>;
}

declare const refBrand: unique symbol;

/** The schema `refTo` returns: a reference struct whose values are proxies of `M`. */
export type RefSchema<M extends MethodSpecs> = StructSchema & Typed<RemoteProxy<M>> & { readonly [refBrand]?: M };

/** A declared exception raised by an implementation; the server marshals it for the caller. */
export class Raised<S extends StructSchema = StructSchema> extends Error {
  constructor(
    readonly schema: S,
    readonly value: Infer<S>,
  ) {
    super(`raised ${schema.name}`);
  }
}

/** Raises the declared exception `schema` with `value` from an implementation. */
export function raise<S extends StructSchema>(schema: S, value: Infer<S>): never {
  throw new Raised(schema, value);
}

/** Symbol under which a proxy keeps its reference. */
export const PROXY_REF = Symbol('courier.remoteRef');

/** The reference behind a proxy, or undefined for anything else. */
export function proxyRef(value: unknown): RemoteRef | undefined {
  if (typeof value !== 'object' || value === null || !(PROXY_REF in value)) return undefined;
  return (value as { [PROXY_REF]: RemoteRef })[PROXY_REF];
}
