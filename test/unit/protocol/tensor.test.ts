/**
 * decodeTensor is the one gate every input passes (WS msgpack, WS JSON, HTTP), so these
 * tests pin what a client gets back for each form of `data` and each way it can be wrong.
 */
import { describe, expect, it } from 'vitest';
import { decodeTensor } from '../../../src/protocol/tensor.js';
import { thrownBy } from '../thrown-error.js';

/** OIP binary BYTES: each element is a 4-byte little-endian length, then its UTF-8 bytes. */
function lengthPrefixed(strings: string[]): Uint8Array {
  const parts = strings.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(parts.reduce((sum, p) => sum + 4 + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.writeUInt32LE(part.length, offset);
    part.copy(out, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}

/** `source` copied to odd offset 1 of a larger Buffer, as msgpackr hands out bins. */
function unalignedCopy(source: Uint8Array): Buffer {
  const backing = Buffer.alloc(source.byteLength + 1);
  backing.set(source, 1);
  return backing.subarray(1);
}

describe('decodeTensor with raw little-endian bytes', () => {
  it('views FP32 bytes as the values that were encoded', () => {
    const values = new Float32Array([1.5, -2, 0.25, 8]);
    const tensor = decodeTensor({ name: 'x', datatype: 'FP32', shape: [2, 2], data: new Uint8Array(values.buffer) });
    expect(tensor.name).toBe('x');
    expect(tensor.datatype).toBe('FP32');
    expect(tensor.shape).toEqual([2, 2]);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensor.data as Float32Array)).toEqual([1.5, -2, 0.25, 8]);
  });

  it('reads FP32 from an unaligned Buffer slice without garbling the values', () => {
    const values = new Float32Array([3.5, -1.25, 42]);
    const bytes = unalignedCopy(new Uint8Array(values.buffer));
    expect(bytes.byteOffset % 4).not.toBe(0);
    const tensor = decodeTensor({ name: 'x', datatype: 'FP32', shape: [3], data: bytes });
    expect(Array.from(tensor.data as Float32Array)).toEqual([3.5, -1.25, 42]);
  });

  it('reads an unaligned tensor the same each time and leaves the frame bytes as they were', () => {
    const values = new Float32Array([1, 2, 3, 4]);
    const bytes = unalignedCopy(new Uint8Array(values.buffer));
    const before = Array.from(bytes);
    const tensor = decodeTensor({ name: 'x', datatype: 'FP32', shape: [4], data: bytes });
    const first = tensor.data as Float32Array;
    first[0] = 100;
    expect(tensor.data).toBe(first);
    expect(Array.from(tensor.data as Float32Array)).toEqual([100, 2, 3, 4]);
    expect(Array.from(bytes)).toEqual(before);
  });

  it('views INT64 bytes as bigints, including values beyond 2^53', () => {
    const values = new BigInt64Array([-1n, 2n ** 60n + 1n]);
    const tensor = decodeTensor({ name: 'ids', datatype: 'INT64', shape: [2], data: Buffer.from(values.buffer) });
    expect(tensor.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([-1n, 2n ** 60n + 1n]);
  });

  it('reads INT64 from an unaligned Buffer slice', () => {
    const values = new BigInt64Array([7n, -9n]);
    const tensor = decodeTensor({ name: 'ids', datatype: 'INT64', shape: [2], data: unalignedCopy(new Uint8Array(values.buffer)) });
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([7n, -9n]);
  });

  it('keeps FP16 bytes as their 16-bit patterns', () => {
    // 1.0 = 0x3c00, -2.0 = 0xc000 in IEEE 754 half precision.
    const tensor = decodeTensor({ name: 'h', datatype: 'FP16', shape: [2], data: new Uint8Array([0x00, 0x3c, 0x00, 0xc0]) });
    expect(tensor.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(tensor.data as Uint16Array)).toEqual([0x3c00, 0xc000]);
  });

  it('reads BOOL as one byte per element', () => {
    const tensor = decodeTensor({ name: 'mask', datatype: 'BOOL', shape: [1, 3], data: Buffer.from([1, 0, 1]) });
    expect(tensor.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(tensor.data as Uint8Array)).toEqual([1, 0, 1]);
  });

  it('decodes BYTES given as OIP length-prefixed bytes, including empty and multi-byte strings', () => {
    const tensor = decodeTensor({ name: 'text', datatype: 'BYTES', shape: [3], data: lengthPrefixed(['héllo', '', 'wörld ✓']) });
    expect(tensor.data).toEqual(['héllo', '', 'wörld ✓']);
  });

  it('accepts zero elements with zero bytes', () => {
    const tensor = decodeTensor({ name: 'x', datatype: 'FP32', shape: [0, 4], data: new Uint8Array(0) });
    expect(tensor.shape).toEqual([0, 4]);
    expect(tensor.data.length).toBe(0);
  });
});

describe('decodeTensor with value arrays', () => {
  it('takes a flat FP32 array', () => {
    const tensor = decodeTensor({ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4.5] });
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(Array.from(tensor.data as Float32Array)).toEqual([1, 2, 3, 4.5]);
  });

  it('flattens a nested array in row-major order', () => {
    const tensor = decodeTensor({ name: 'x', datatype: 'INT32', shape: [2, 2, 2], data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] });
    expect(tensor.data).toBeInstanceOf(Int32Array);
    expect(Array.from(tensor.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('takes INT64 as numbers or bigints and stores bigints', () => {
    const tensor = decodeTensor({ name: 'ids', datatype: 'INT64', shape: [3], data: [1, -2, 2n ** 62n] });
    expect(Array.from(tensor.data as BigInt64Array)).toEqual([1n, -2n, 2n ** 62n]);
  });

  it('takes BOOL as booleans or 0/1', () => {
    const tensor = decodeTensor({ name: 'mask', datatype: 'BOOL', shape: [4], data: [true, false, 1, 0] });
    expect(Array.from(tensor.data as Uint8Array)).toEqual([1, 0, 1, 0]);
  });

  it('takes BYTES as an array of strings', () => {
    const tensor = decodeTensor({ name: 'text', datatype: 'BYTES', shape: [2, 1], data: [['a'], ['bc']] });
    expect(tensor.data).toEqual(['a', 'bc']);
  });

  it('reads FP16 values given as JSON numbers as half-precision values', () => {
    // A JSON client writes the value 1.5, not its bit pattern; 1.5 in half precision is 0x3e00.
    const tensor = decodeTensor({ name: 'h', datatype: 'FP16', shape: [3], data: [1.5, -2, 0.5] });
    expect(Array.from(tensor.data as Uint16Array)).toEqual([0x3e00, 0xc000, 0x3800]);
  });
});

describe('decodeTensor rejects bad tensors with ERR_INPUT_INVALID naming the input', () => {
  it('when the byte length does not match the shape', () => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype: 'FP32', shape: [2, 3], data: new Uint8Array(20) }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
    expect(error.message).toContain('24');
    expect(error.message).toContain('20');
  });

  it('when the element count does not match the shape', () => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
    expect(error.message).toContain('4');
    expect(error.message).toContain('3');
  });

  it('when length-prefixed BYTES hold a different number of elements than the shape', () => {
    const error = thrownBy(() => decodeTensor({ name: 'text', datatype: 'BYTES', shape: [3], data: lengthPrefixed(['a', 'b']) }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'text'");
  });

  it('when length-prefixed BYTES are truncated', () => {
    const truncated = lengthPrefixed(['hello']).subarray(0, 6);
    const error = thrownBy(() => decodeTensor({ name: 'text', datatype: 'BYTES', shape: [1], data: truncated }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'text'");
  });

  it.each([['FP8'], ['float32'], [undefined], [7]])('when the datatype is %s', (datatype) => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype, shape: [1], data: [1] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
    expect(error.message).toContain('datatype');
  });

  it.each([
    ['a negative dim', [-1, 4]],
    ['a fractional dim', [1.5, 4]],
    ['a string dim', ['2', 4]],
  ])('when the shape has %s', (_what, shape) => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype: 'FP32', shape, data: [1, 2, 3, 4] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
  });

  it('when the shape is not an array', () => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype: 'FP32', shape: 4, data: [1, 2, 3, 4] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
  });

  it.each([
    ['1.5 for INT32', 'INT32', 1.5],
    ['a string for FP32', 'FP32', '1.0'],
    ['a number for BYTES', 'BYTES', 3],
    ['2 for BOOL', 'BOOL', 2],
    ['null for FP32', 'FP32', null],
    ['1.5 for INT64', 'INT64', 1.5],
  ])('when an element is %s', (_what, datatype, bad) => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype, shape: [2], data: [datatype === 'BYTES' ? 'ok' : 1, bad] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
    expect(error.message).toContain('element 1');
  });

  it.each([
    ['256 for UINT8', 'UINT8', 256],
    ['-1 for UINT32', 'UINT32', -1],
    ['-129 for INT8', 'INT8', -129],
    ['40000 for INT16', 'INT16', 40000],
  ])('when an integer element is out of range: %s (instead of wrapping around)', (_what, datatype, bad) => {
    const error = thrownBy(() => decodeTensor({ name: 'x', datatype, shape: [1], data: [bad] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
  });

  it.each([[undefined], [''], [5]])('when the name is %s', (name) => {
    const error = thrownBy(() => decodeTensor({ name, datatype: 'FP32', shape: [1], data: [1] }));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain('name');
  });

  it('when data is missing or neither bytes nor an array', () => {
    for (const data of [undefined, 'AAAA', { 0: 1 }]) {
      const error = thrownBy(() => decodeTensor({ name: 'x', datatype: 'FP32', shape: [1], data }));
      expect(error.code).toBe('ERR_INPUT_INVALID');
      expect(error.message).toContain("'x'");
    }
  });

  it('when the tensor itself is not an object', () => {
    for (const raw of [null, 3, [1, 2]]) {
      expect(thrownBy(() => decodeTensor(raw)).code).toBe('ERR_INPUT_INVALID');
    }
  });

  it('names the role it was given', () => {
    const error = thrownBy(() => decodeTensor({ name: 'y', datatype: 'FP32', shape: [2], data: [1] }, 'output'));
    expect(error.message).toContain("output 'y'");
  });
});
