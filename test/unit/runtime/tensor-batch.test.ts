/**
 * Requests concatenated along dim 0 into one batch tensor, and the batch's outputs split
 * back: each request must get exactly its own rows, without copying numeric data twice.
 */
import { describe, expect, it } from 'vitest';
import { decodeTensor } from '../../../src/protocol/tensor.js';
import { concatRows, concatTensorRows, ownsBuffer, splitRows } from '../../../src/runtime/tensor-batch.js';

/** A tensor decoded from raw bytes at `offset` into a larger buffer, as msgpackr hands out bins. */
function receivedAt(offset: number, datatype: 'FP32' | 'INT64', values: Float32Array | BigInt64Array) {
  const backing = Buffer.alloc(values.byteLength + offset);
  backing.set(new Uint8Array(values.buffer), offset);
  return decodeTensor({ name: 'x', datatype, shape: [values.length / 2, 2], data: backing.subarray(offset) });
}

describe('concatRows and splitRows', () => {
  it('round-trip FP32 requests of different row counts', () => {
    // Requests of 2, 1 and 3 rows, 2 values per row.
    const parts = [new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6]), new Float32Array([7, 8, 9, 10, 11, 12])];
    const batch = concatRows('FP32', parts);
    expect(batch).toBeInstanceOf(Float32Array);
    expect(Array.from(batch as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const split = splitRows(batch, [6, 2], [2, 1, 3]);
    expect(split.map((s) => Array.from(s as Float32Array))).toEqual(parts.map((p) => Array.from(p)));
  });

  it('round-trip INT64 with values beyond 2^53', () => {
    const parts = [new BigInt64Array([2n ** 60n, -1n]), new BigInt64Array([3n, 2n ** 62n])];
    const batch = concatRows('INT64', parts);
    expect(batch).toBeInstanceOf(BigInt64Array);
    const split = splitRows(batch, [2, 2], [1, 1]);
    expect(split.map((s) => Array.from(s as BigInt64Array))).toEqual([[2n ** 60n, -1n], [3n, 2n ** 62n]]);
  });

  it('round-trip BYTES', () => {
    const parts = [['a', 'b'], ['c'], ['d', 'e', 'f']];
    const batch = concatRows('BYTES', parts);
    expect(batch).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(splitRows(batch, [6], [2, 1, 3])).toEqual(parts);
  });

  it('splits an output whose row width differs from the input (e.g. 3 values per row)', () => {
    const output = new Float32Array([1, 1, 1, 2, 2, 2, 3, 3, 3]);
    const split = splitRows(output, [3, 3], [1, 2]);
    expect(split.map((s) => Array.from(s as Float32Array))).toEqual([[1, 1, 1], [2, 2, 2, 3, 3, 3]]);
  });

  it('gives empty parts for a zero-row batch', () => {
    const split = splitRows(new Float32Array(0), [0, 4], [0]);
    expect(split.map((s) => s.length)).toEqual([0]);
  });
});

describe('concatTensorRows', () => {
  it('batches tensors received at unaligned and aligned offsets in request order', () => {
    const tensors = [
      receivedAt(1, 'FP32', new Float32Array([1, 2])),
      receivedAt(0, 'FP32', new Float32Array([3, 4, 5, 6])),
      receivedAt(3, 'FP32', new Float32Array([7, 8])),
    ];
    const batch = concatTensorRows('FP32', tensors);
    expect(batch).toBeInstanceOf(Float32Array);
    expect(Array.from(batch as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ownsBuffer(batch)).toBe(true);
  });

  it('batches unaligned INT64 rows beyond 2^53 exactly', () => {
    const tensors = [receivedAt(5, 'INT64', new BigInt64Array([2n ** 60n, -1n])), receivedAt(2, 'INT64', new BigInt64Array([3n, -(2n ** 62n)]))];
    const batch = concatTensorRows('INT64', tensors);
    expect(Array.from(batch as BigInt64Array)).toEqual([2n ** 60n, -1n, 3n, -(2n ** 62n)]);
  });

  it('batches BYTES tensors as their strings', () => {
    const tensors = [{ name: 's', datatype: 'BYTES' as const, shape: [1], data: ['a'] }, { name: 's', datatype: 'BYTES' as const, shape: [2], data: ['b', 'c'] }];
    expect(concatTensorRows('BYTES', tensors)).toEqual(['a', 'b', 'c']);
  });
});

describe('buffer ownership', () => {
  it('gives numeric splits as views sharing the batch buffer', () => {
    const batch = concatRows('FP32', [new Float32Array([1, 2]), new Float32Array([3, 4])]) as Float32Array;
    const [first, second] = splitRows(batch, [2, 2], [1, 1]) as Float32Array[];
    expect(first!.buffer).toBe(batch.buffer);
    expect(second!.buffer).toBe(batch.buffer);
    expect(second!.byteOffset).toBe(8);
    batch[3] = 40;
    expect(Array.from(second!)).toEqual([3, 40]);
  });

  it('makes the concatenation a fresh store that owns its whole buffer', () => {
    const source = new Float32Array([9, 9, 1, 2]).subarray(2);
    expect(ownsBuffer(source)).toBe(false);
    const batch = concatRows('FP32', [source]) as Float32Array;
    expect(ownsBuffer(batch)).toBe(true);
    expect(batch.buffer).not.toBe(source.buffer);
  });

  it('does not count views, strings or shared memory as owning a buffer', () => {
    const batch = concatRows('INT32', [new Int32Array([1, 2, 3, 4])]);
    expect(ownsBuffer(splitRows(batch, [4], [2, 2])[1]!)).toBe(false);
    expect(ownsBuffer(['a'])).toBe(false);
    expect(ownsBuffer(new Float32Array(new SharedArrayBuffer(8)))).toBe(false);
  });
});
