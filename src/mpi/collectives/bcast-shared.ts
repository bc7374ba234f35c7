// The shared-memory broadcast of typed arrays between process ranks of one host (as Open MPI's coll/sm
// and MPICH's intranode collectives do it with shared segments): the root writes its array once into a
// shared file, a small descriptor goes down the binomial tree, and every rank reads the array straight from
// the file: the data crosses the kernel once per reader, with no socket. Each reader then acknowledges to
// the root, which reuses the file only after every acknowledgement of its previous use (SharedMemory.hold),
// so the root does not wait for its readers unless it runs SHARED_SLOTS broadcasts ahead of them.
import { ProtocolError } from '../../errors.ts';
import { decodeValue, type TypedArray } from '../payload.ts';
import { CollTag, type Channel } from './channel.ts';

/** What every rank must know to read the root's array: the file's name, the element type and the byte size. */
export type SharedDescriptor = readonly [name: string, dtype: number, bytes: number];

/**
 * Runs a shared-memory broadcast at relative rank `me` (root 0; `real` maps relative to communicator
 * ranks; `parentMask` is the bit under which this rank hangs in the binomial tree). The root has published
 * `value` under the descriptor's name and passes it; the others return a new array of the root's kind,
 * read from the file.
 */
export async function sharedBcast(c: Channel, value: TypedArray | undefined, descriptor: SharedDescriptor, me: number, parentMask: number, real: (r: number) => number): Promise<TypedArray> {
  const n = c.size;
  // The descriptor first, so that the children read while this rank does.
  const sends: Promise<unknown>[] = [];
  for (let mask = parentMask >> 1; mask > 0; mask >>= 1) if (me + mask < n) sends.push(c.send(descriptor, real(me + mask), CollTag.BcastShared));
  if (value) {
    const reads: Promise<unknown>[] = [];
    for (let r = 1; r < n; r++) reads.push(c.recv(real(r), CollTag.BcastRead));
    c.shared!.hold(descriptor[0], Promise.all(reads));
    await Promise.all(sends);
    return value;
  }
  const [name, dtype, bytes] = checked(descriptor);
  // Unpooled and not zero-filled: every byte is read from the file before the array is returned.
  const into = Buffer.allocUnsafeSlow(bytes);
  try {
    c.shared!.read(name, into);
  } catch (err) {
    // This rank fails with `err`; it still acknowledges, so that the root is not kept from reusing its file.
    for (const p of [...sends, c.send(0, real(0), CollTag.BcastRead)]) p.catch(() => undefined);
    throw err;
  }
  sends.push(c.send(0, real(0), CollTag.BcastRead));
  await Promise.all(sends);
  return decodeValue(dtype, new Uint8Array(into.buffer, into.byteOffset, bytes)) as TypedArray; // dtype is a typed-array code (the root's)
}

// The descriptor came from another rank: a malformed one is a protocol error, not a crash further on
// (element type 0, a serialised value, never travels this way).
function checked(descriptor: unknown): SharedDescriptor {
  const d = descriptor as unknown[];
  if (!Array.isArray(d) || d.length !== 3 || typeof d[0] !== 'string' || !Number.isInteger(d[1]) || (d[1] as number) < 1 || !Number.isSafeInteger(d[2]) || (d[2] as number) < 0) {
    throw new ProtocolError('malformed shared broadcast descriptor', {});
  }
  return d as unknown as SharedDescriptor;
}
