/**
 * Concatenating requests along dim 0 into one batch tensor, and splitting the batch's
 * outputs back. Splits are views (subarray), so the only copy of tensor bytes on the
 * way in is the concatenation — which also gives each batch input a buffer of its own that
 * can be transferred to a worker instead of cloned.
 */
import { type Datatype, type NumericArray, type TensorData, allocate } from '../protocol/datatypes.js';

/** One fresh element store holding `parts` back to back. */
export function concatRows(datatype: Datatype, parts: readonly TensorData[]): TensorData {
  if (datatype === 'BYTES') return (parts as string[][]).flat();
  let length = 0;
  for (const part of parts) length += part.length;
  const out = allocate(datatype, length) as NumericArray;
  let offset = 0;
  for (const part of parts) {
    (out as Uint8Array).set(part as Uint8Array, offset);
    offset += part.length;
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
