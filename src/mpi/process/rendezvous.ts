// The rendezvous: every rank registers the address it listens on and receives everyone's. Served by
// courier's launcher, or by rank 0 itself under Slurm, Open MPI or Kubernetes.
import { ProtocolError, TimeoutError, isCourierError } from '../../errors.ts';
import { realClock, type Clock } from '../../net/clock.ts';
import type { MessageStream } from '../../net/stream.ts';
import { connect, listen, type Listener } from '../../net/tcp.ts';
import { formatAddress, type AddressLike } from '../../net/address.ts';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value));

function decode(bytes: Uint8Array | null, what: string): Record<string, unknown> {
  if (bytes === null) throw new ProtocolError(`rendezvous: the connection ended before ${what}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString());
  } catch (err) {
    throw new ProtocolError(`rendezvous: ${what} is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new ProtocolError(`rendezvous: ${what} is not an object`);
  return parsed as Record<string, unknown>; // an object parsed from JSON has string keys
}

/** A running rendezvous for a job of `size` ranks. */
export interface Rendezvous extends AsyncDisposable {
  /** Where ranks register (give it to them as COURIER_RENDEZVOUS). */
  readonly address: string;
  /** Resolves to every rank's address once all have registered. */
  readonly complete: Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Serves a rendezvous at `address` for `size` ranks: each sends `{rank, address}`; once all have, each
 * receives `{addresses}`. A duplicate or out-of-range rank is refused with ERR_PROTOCOL to that rank.
 */
export async function serveRendezvous(address: AddressLike, size: number): Promise<Rendezvous> {
  const listener: Listener = await listen(address);
  const addresses: (string | undefined)[] = new Array(size).fill(undefined);
  const streams: MessageStream[] = [];
  let settle!: (list: string[]) => void;
  const complete = new Promise<string[]>((resolve) => (settle = resolve));
  let registered = 0;
  const serving = listener.serve(async (stream) => {
    const hello = decode(await stream.receive(), 'the registration');
    const { rank, address: at } = hello;
    if (typeof rank !== 'number' || typeof at !== 'string' || !Number.isInteger(rank) || rank < 0 || rank >= size || addresses[rank] !== undefined) {
      await stream.send(encode({ error: `rank ${String(rank)} is not a free rank of 0..${size - 1}` }));
      return;
    }
    addresses[rank] = at;
    streams[rank] = stream;
    if (++registered === size) {
      const list = addresses.map((a) => a!);
      settle(list);
    }
    await stream.send(encode({ addresses: await complete }));
    await stream.end();
    await stream.receive().catch(() => null); // the rank closes once it has read the list
  });
  serving.catch(() => undefined); // a rank that breaks its registration is seen by the others' timeouts
  const close = async () => {
    await listener.close();
    for (const s of streams) s?.destroy();
  };
  return { address: formatAddress(listener.address), complete, close, [Symbol.asyncDispose]: close };
}

/**
 * Registers `rank` listening at `own` with the rendezvous at `rendezvous`, retrying while nothing listens
 * there yet (rank 0 may still be starting), and resolves to every rank's address. ERR_TIMEOUT after `timeoutMs`.
 */
export async function register(rendezvous: string, rank: number, own: string, timeoutMs: number, clock: Clock = realClock): Promise<string[]> {
  const deadline = clock.now() + timeoutMs;
  let stream: MessageStream | undefined;
  while (!stream) {
    const left = deadline - clock.now();
    if (left <= 0) throw new TimeoutError(`rank ${rank}: no rendezvous at ${rendezvous} within ${timeoutMs} ms`, { timeoutMs, rendezvous });
    try {
      stream = await connect(rendezvous, { timeout: left });
    } catch (err) {
      if (!isCourierError(err, 'ERR_CONNECTION_REFUSED')) throw err;
      await new Promise<void>((resolve) => clock.setTimer(resolve, 50));
    }
  }
  try {
    await stream.send(encode({ rank, address: own }));
    const reply = decode(await stream.receive({ timeout: Math.max(1, deadline - clock.now()) }), 'the list of addresses');
    if (typeof reply.error === 'string') throw new ProtocolError(`rendezvous refused rank ${rank}: ${reply.error}`, { rank });
    const list = reply.addresses;
    if (!Array.isArray(list) || !list.every((a): a is string => typeof a === 'string')) throw new ProtocolError('rendezvous: malformed list of addresses');
    return list;
  } catch (err) {
    if (isCourierError(err, 'ERR_TIMEOUT')) throw new TimeoutError(`rank ${rank}: not every rank registered at ${rendezvous} within ${timeoutMs} ms`, { timeoutMs, rendezvous });
    throw err;
  } finally {
    await stream.close();
  }
}
