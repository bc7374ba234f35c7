import { InvalidArgumentError } from '../errors.ts';
import { MPI_DEFAULTS } from './constants.ts';
import { MpiBufferOverflowError } from './errors.ts';

/**
 * The buffer attached for buffered sends (MPI_Buffer_attach). Only its size matters here: a buffered send
 * charges its bytes plus `bsendOverhead` while the message is in transit and gives them back once it left;
 * a send that does not fit fails at once rather than waiting or growing memory.
 */
export class BsendBuffer {
  private capacity = 0;
  private used = 0;
  private drained: (() => void)[] = [];

  /** Attaches a buffer of `bytes`. ERR_INVALID_ARGUMENT if one is attached already or the size is bad. */
  attach(bytes: number): void {
    if (!Number.isInteger(bytes) || bytes <= 0) throw new InvalidArgumentError(`buffer size must be a positive integer of bytes, got ${bytes}`, { bytes });
    if (this.capacity > 0) throw new InvalidArgumentError(`a buffer of ${this.capacity} bytes is attached already; detach it first`, { attached: this.capacity });
    this.capacity = bytes;
  }

  /** Waits until every buffered message has left, then detaches; resolves to the size that was attached. */
  async detach(): Promise<number> {
    while (this.used > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
    const size = this.capacity;
    this.capacity = 0;
    return size;
  }

  /** Bytes free now. */
  get free(): number {
    return this.capacity - this.used;
  }

  /** Charges a message of `size` bytes; returns the function that gives the space back. MpiBufferOverflowError if it does not fit. */
  reserve(size: number): () => void {
    const charge = size + MPI_DEFAULTS.bsendOverhead;
    if (charge > this.free) {
      throw new MpiBufferOverflowError(
        this.capacity === 0
          ? `buffered send of ${size} bytes with no buffer attached (attachBuffer first)`
          : `buffered send of ${size} bytes (+${MPI_DEFAULTS.bsendOverhead} overhead) exceeds the attached buffer: ${this.free} of ${this.capacity} bytes free`,
        { size, charge, free: this.free, limit: this.capacity },
      );
    }
    this.used += charge;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.used -= charge;
      if (this.used === 0) for (const w of this.drained.splice(0)) w();
    };
  }
}
