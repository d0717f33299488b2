/**
 * The datatype table: storage class, byte views, conversion to and from plain values,
 * and the OIP ↔ onnxruntime name mapping the decoder, workers and client share.
 */
import { describe, expect, it } from 'vitest';
import {
  DATATYPES, type Datatype, allocate, bytesOf, bytesPerElement, elementCount, fromNumbers, fromOrtType,
  isBigIntDatatype, isDatatype, toNumbers, toOrtType, viewBytes,
} from '../../../src/protocol/datatypes.js';

describe('viewBytes', () => {
  it('views aligned bytes in place, sharing their buffer', () => {
    const source = new Float32Array([1, 2, 3]);
    const view = viewBytes('FP32', new Uint8Array(source.buffer));
    expect(view.buffer).toBe(source.buffer);
    expect(Array.from(view as Float32Array)).toEqual([1, 2, 3]);
  });

  it('views an aligned offset in place', () => {
    const source = new Float64Array([1, 2, 3]);
    const view = viewBytes('FP64', new Uint8Array(source.buffer, 8, 16));
    expect(view.buffer).toBe(source.buffer);
    expect(Array.from(view as Float64Array)).toEqual([2, 3]);
  });

  it('copies unaligned bytes, so the values are right and the source is left alone', () => {
    const backing = new Uint8Array(13);
    backing.set(new Uint8Array(new Int32Array([-7, 1 << 20, 3]).buffer), 1);
    const bytes = backing.subarray(1);
    const view = viewBytes('INT32', bytes);
    expect(view.buffer).not.toBe(backing.buffer);
    expect(view.byteOffset % 4).toBe(0);
    expect(Array.from(view as Int32Array)).toEqual([-7, 1 << 20, 3]);
  });

  it('refuses BYTES, which has no fixed width', () => {
    expect(() => viewBytes('BYTES', new Uint8Array(4))).toThrow(TypeError);
  });
});

describe('bytesOf', () => {
  it('gives exactly the bytes of a subarray', () => {
    const data = new Uint16Array([1, 2, 3, 4]).subarray(1, 3);
    const bytes = bytesOf(data);
    expect(bytes.byteLength).toBe(4);
    expect(bytes.buffer).toBe(data.buffer);
    expect(Array.from(bytes)).toEqual([2, 0, 3, 0]);
  });
});

describe('fromNumbers and toNumbers', () => {
  it.each<[Datatype, unknown[], unknown, unknown[]]>([
    ['BOOL', [true, false, 1, 0], Uint8Array, [true, false, true, false]],
    ['UINT8', [0, 255], Uint8Array, [0, 255]],
    ['UINT16', [0, 65535], Uint16Array, [0, 65535]],
    ['UINT32', [0, 4294967295], Uint32Array, [0, 4294967295]],
    ['UINT64', [0, 2 ** 40], BigUint64Array, [0, 2 ** 40]],
    ['INT8', [-128, 127], Int8Array, [-128, 127]],
    ['INT16', [-32768, 32767], Int16Array, [-32768, 32767]],
    ['INT32', [-5, 2 ** 31 - 1], Int32Array, [-5, 2 ** 31 - 1]],
    ['INT64', [-(2 ** 40), 9], BigInt64Array, [-(2 ** 40), 9]],
    ['FP32', [0.5, -1.25], Float32Array, [0.5, -1.25]],
    ['FP64', [0.1, -1e300], Float64Array, [0.1, -1e300]],
    ['BYTES', ['a', 'é'], Array, ['a', 'é']],
  ])('%s stores in the right class and converts back to plain values', (datatype, values, storage, plain) => {
    const data = fromNumbers(datatype, values);
    expect(data).toBeInstanceOf(storage);
    expect(data.length).toBe(values.length);
    expect(toNumbers(datatype, data)).toEqual(plain);
  });

  it('stores 64-bit integers as exact bigints', () => {
    expect(Array.from(fromNumbers('INT64', [2n ** 62n, -3]) as BigInt64Array)).toEqual([2n ** 62n, -3n]);
    expect(Array.from(fromNumbers('UINT64', [2n ** 63n]) as BigUint64Array)).toEqual([2n ** 63n]);
  });

  it('stores FP16 as 16-bit patterns of the values given and reads them back as values', () => {
    const data = fromNumbers('FP16', [1, -2, 0.5]);
    expect(data).toBeInstanceOf(Uint16Array);
    expect(Array.from(data as Uint16Array)).toEqual([0x3c00, 0xc000, 0x3800]);
    expect(toNumbers('FP16', data)).toEqual([1, -2, 0.5]);
  });

  it('gives a copy for BYTES, so changing it does not change the tensor', () => {
    const data = ['a', 'b'];
    const plain = toNumbers('BYTES', data);
    plain[0] = 'z';
    expect(data).toEqual(['a', 'b']);
  });
});

describe('datatype table', () => {
  it('maps every OIP datatype to an onnxruntime type and back', () => {
    expect(DATATYPES).toHaveLength(13);
    for (const datatype of DATATYPES) expect(fromOrtType(toOrtType(datatype))).toBe(datatype);
  });

  it('names the onnxruntime types as onnxruntime does', () => {
    expect(toOrtType('FP32')).toBe('float32');
    expect(toOrtType('FP16')).toBe('float16');
    expect(toOrtType('BOOL')).toBe('bool');
    expect(toOrtType('BYTES')).toBe('string');
    expect(fromOrtType('int64')).toBe('INT64');
  });

  it('has no datatype for onnxruntime types OIP cannot carry', () => {
    expect(fromOrtType('bfloat16')).toBeUndefined();
    expect(fromOrtType('float8e4m3fn')).toBeUndefined();
  });

  it('knows which names are datatypes', () => {
    expect(isDatatype('FP32')).toBe(true);
    expect(isDatatype('fp32')).toBe(false);
    expect(isDatatype('toString')).toBe(false);
  });

  it('gives element sizes and which types hold bigints', () => {
    expect(bytesPerElement('BOOL')).toBe(1);
    expect(bytesPerElement('FP16')).toBe(2);
    expect(bytesPerElement('FP64')).toBe(8);
    expect(bytesPerElement('BYTES')).toBe(0);
    expect(DATATYPES.filter(isBigIntDatatype)).toEqual(['UINT64', 'INT64']);
  });

  it('counts elements of a shape: a scalar holds one, a zero dim none', () => {
    expect(elementCount([])).toBe(1);
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([2, 0, 4])).toBe(0);
  });

  it('allocates zeroed storage', () => {
    expect(Array.from(allocate('INT32', 3) as Int32Array)).toEqual([0, 0, 0]);
    expect(allocate('BYTES', 2)).toEqual(['', '']);
  });
});
