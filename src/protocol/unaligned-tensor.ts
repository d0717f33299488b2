/**
 * A numeric tensor whose bytes arrived at an offset its element type cannot be viewed at.
 * msgpackr hands out `bin` payloads as slices of the frame, and a frame's payload lands at
 * whatever offset the socket read put it, so for wider types this is the common case, not
 * the odd one. The aligned copy is made only when something reads `data`; the batcher
 * reads `bytes` instead and copies each request once, into the batch.
 *
 * Measured on medium (2 KiB of FP32 per request) at concurrency 64: the copy made per
 * request was a third of the ArrayBuffer memory the socket thread allocated (3.3 of 10.2
 * MiB/s), and V8 starts a full collection each time that memory has grown by a few MiB.
 */
import { type Datatype, type NumericArray, bytesOf, viewBytes } from './datatypes.js';
import type { Tensor } from './tensor.js';

export class UnalignedTensor implements Tensor {
  private aligned: NumericArray | undefined;

  constructor(
    readonly name: string,
    readonly datatype: Datatype,
    readonly shape: number[],
    /** The little-endian element bytes, as received (not copied). */
    readonly bytes: Uint8Array,
  ) {}

  /** The elements, copied out of `bytes` into an aligned store on first read. */
  get data(): NumericArray {
    this.aligned ??= viewBytes(this.datatype, this.bytes);
    return this.aligned;
  }
}

/** The element bytes of a numeric tensor without forcing an aligned copy. */
export function elementBytesOf(tensor: Tensor): Uint8Array {
  return tensor instanceof UnalignedTensor ? tensor.bytes : bytesOf(tensor.data as NumericArray);
}
