/**
 * Concatenating requests along dim 0 into one batch tensor, and splitting the batch's
 * outputs back. Splits are views (subarray), so the only copy of tensor bytes on the
 * way in is the concatenation — which also gives each batch input a buffer of its own that
 * can be transferred to a worker instead of cloned.
 */
import { type Datatype, type NumericArray, type TensorData, allocate, bytesOf, bytesPerElement } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';
import { elementBytesOf } from '../protocol/unaligned-tensor.js';

/** One fresh element store holding `parts` back to back. */
export function concatRows(datatype: Datatype, parts: readonly TensorData[]): TensorData {
  if (datatype === 'BYTES') return (parts as string[][]).flat();
  return concatBytes(datatype, parts.map((part) => bytesOf(part as NumericArray)));
}

/**
 * The same for whole tensors, reading each one's element bytes where they lie: a tensor
 * received unaligned is copied once, here, and never into an aligned store of its own.
 */
export function concatTensorRows(datatype: Datatype, tensors: readonly Tensor[]): TensorData {
  if (datatype === 'BYTES') return concatRows(datatype, tensors.map((t) => t.data));
  return concatBytes(datatype, tensors.map(elementBytesOf));
}

function concatBytes(datatype: Datatype, parts: readonly Uint8Array[]): NumericArray {
  let byteLength = 0;
  for (const part of parts) byteLength += part.byteLength;
  const out = allocate(datatype, byteLength / bytesPerElement(datatype)) as NumericArray;
  const target = bytesOf(out);
  let offset = 0;
  for (const part of parts) {
    target.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** Views of `data` (shape `[rows, ...rest]`), one per entry of `rowCounts`. */
export function splitRows(data: TensorData, shape: readonly number[], rowCounts: readonly number[]): TensorData[] {
  const totalRows = shape[0] ?? 0;
  const elementsPerRow = totalRows === 0 ? 0 : data.length / totalRows;
  const out: TensorData[] = [];
  let row = 0;
  for (const rows of rowCounts) {
    const start = row * elementsPerRow;
    const end = (row + rows) * elementsPerRow;
    out.push(Array.isArray(data) ? data.slice(start, end) : (data as NumericArray).subarray(start, end));
    row += rows;
  }
  return out;
}

/** A store that owns its whole ArrayBuffer, so transferring it moves exactly these bytes. */
export function ownsBuffer(data: TensorData): boolean {
  if (Array.isArray(data)) return false;
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !(data.buffer instanceof SharedArrayBuffer);
}
