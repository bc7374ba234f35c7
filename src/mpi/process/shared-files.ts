// Shared memory between the process ranks of one host, through files in a tmpfs directory (/dev/shm, where
// POSIX shm_open keeps its segments too): a broadcast root writes its array into its own file with one
// write, and every other rank reads it with one read. That is two kernel copies of the data in all, where
// a hop over a socket costs each rank a kernel copy each way, a frame decoder's copy and sixteen 64 KiB
// reads per MiB. Node has no mmap, so the page cache is the shared memory.
import { accessSync, closeSync, constants, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ProtocolError } from '../../errors.ts';

/** Where the files live: a tmpfs on Linux. Without it (or unwritable), broadcasts use the sockets. */
export const SHARED_DIR = '/dev/shm';
/**
 * Most files of other ranks a rank keeps open (one per communicator and root that broadcast through shared
 * memory); past it the least recently used is closed, to be opened again by name when needed.
 */
export const MAX_OPEN_SHARED_FILES = 64;

/**
 * Files a rank writes per communicator, used in turn: a broadcast only waits for the readers of the one
 * SHARED_SLOTS broadcasts back (from this root, on this communicator) before it overwrites that file, so a
 * root is not held up by its readers' acknowledgements of the broadcast just before.
 */
export const SHARED_SLOTS = 2;

// courier-mpi-PID-CONTEXT-SLOT.bcast: the writer's process id (unique among the host's live processes), the
// communicator's collective context and the slot. Only names of this form, in the shared directory, are
// ever opened for reading.
const NAME = /^courier-mpi-\d+-\d+-\d+\.bcast$/;

/** The prefix of every shared file process `pid` writes (for clean-up after a crash). */
export function sharedFilePrefix(pid: number): string {
  return `courier-mpi-${pid}-`;
}

/**
 * Removes the shared files a process left behind (it crashed before closing them): the launcher calls this
 * for each rank it started on this host once the job has ended.
 */
export function removeSharedFiles(pid: number, dir = SHARED_DIR): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // no shared directory: nothing was written
  }
  const prefix = sharedFilePrefix(pid);
  for (const name of names) if (name.startsWith(prefix) && NAME.test(name)) rmSync(join(dir, name), { force: true });
}

/** What a collective needs: this rank's files for one communicator, and reading the others'. */
export interface SharedMemory {
  /**
   * Writes `bytes` at the start of this rank's next file for the communicator, once the readers of what it
   * held before are done with it (see `hold`); returns the name to tell the readers.
   */
  publish(bytes: Uint8Array): Promise<string>;
  /** The file `name` (published by this rank) is being read until `readers` settles. */
  hold(name: string, readers: Promise<unknown>): void;
  /** Fills `into` from the start of the file `name` another rank published. ERR_PROTOCOL for a bad name or a short file. */
  read(name: string, into: Uint8Array): void;
}

/** The shared files of one process rank: its own (one per communicator it broadcast from) and others' it reads. */
export class SharedFiles {
  private readonly own = new Map<string, number>(); // name → descriptor of this rank's files
  private readonly opened = new Map<string, number>(); // name → descriptor, least recently used first
  private closed = false;

  private constructor(private readonly dir: string) {}

  /** Shared files in `dir`, or undefined when it is not a writable directory (no tmpfs: use the sockets). */
  static open(dir = SHARED_DIR): SharedFiles | undefined {
    try {
      if (!statSync(dir).isDirectory()) return undefined;
      accessSync(dir, constants.W_OK | constants.R_OK);
      return new SharedFiles(dir);
    } catch {
      return undefined; // no such directory, or not ours to write
    }
  }

  /** The view of one communicator (its collective context). */
  scope(context: number): SharedMemory {
    let next = 0;
    const busy: (Promise<unknown> | undefined)[] = new Array(SHARED_SLOTS);
    return {
      publish: async (bytes) => {
        const slot = next;
        next = (next + 1) % SHARED_SLOTS;
        await busy[slot];
        return this.write(context, slot, bytes);
      },
      hold: (name, readers) => {
        const slot = Number(name.slice(name.lastIndexOf('-') + 1, -'.bcast'.length));
        // A failure here is the job's failure, reported by the collective's own operations.
        busy[slot] = readers.catch(() => undefined);
      },
      read: (name, into) => this.read(name, into),
    };
  }

  /** Closes every descriptor and removes this rank's files. */
  close(): void {
    this.closed = true;
    for (const [name, fd] of this.own) {
      closeSync(fd);
      rmSync(join(this.dir, name), { force: true });
    }
    for (const fd of this.opened.values()) closeSync(fd);
    this.own.clear();
    this.opened.clear();
  }

  private write(context: number, slot: number, bytes: Uint8Array): string {
    if (this.closed) throw new ProtocolError('shared files are closed');
    const name = `${sharedFilePrefix(process.pid)}${context}-${slot}.bcast`;
    let fd = this.own.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'w+', 0o600);
      this.own.set(name, fd);
    }
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
    return name;
  }

  private read(name: string, into: Uint8Array): void {
    if (!NAME.test(name) || basename(name) !== name || dirname(join(this.dir, name)) !== this.dir) {
      throw new ProtocolError(`a peer named '${name}' as a shared broadcast file; expected courier-mpi-PID-CONTEXT-SLOT.bcast`, { name });
    }
    let fd = this.opened.get(name);
    if (fd === undefined) {
      if (this.opened.size >= MAX_OPEN_SHARED_FILES) {
        const [oldest, oldFd] = this.opened.entries().next().value!;
        closeSync(oldFd);
        this.opened.delete(oldest);
      }
      try {
        fd = openSync(join(this.dir, name), 'r');
      } catch (err) {
        throw new ProtocolError(`shared broadcast file ${name} cannot be opened: ${(err as Error).message}`, { name });
      }
    } else {
      this.opened.delete(name); // re-inserted below: most recently used last
    }
    this.opened.set(name, fd);
    for (let at = 0; at < into.length; ) {
      const n = readSync(fd, into, at, into.length - at, at);
      if (n === 0) throw new ProtocolError(`shared broadcast file ${name} holds ${at} bytes, ${into.length} were announced`, { name, size: at, expected: into.length });
      at += n;
    }
  }
}

