/**
 * Comparing a rerun sample with the stored one: float tolerance as numpy.allclose, exact
 * integers, NaN and infinities surviving the trip through manifest JSON, and the
 * `rtol=…,atol=…` option text.
 */
import { describe, expect, it } from 'vitest';
import { fromNumbers } from '../../src/protocol/datatypes.js';
import type { Tensor } from '../../src/protocol/tensor.js';
import { decodeSampleTensor, encodeSampleTensor } from '../../src/lifecycle/sample-tensor.js';
import { compareTensor } from '../../src/lifecycle/tensor-compare.js';
import { DEFAULT_TOLERANCE, parseTolerance } from '../../src/lifecycle/tolerance.js';
import { thrownBy } from '../unit/thrown-error.js';

function tensor(datatype: Tensor['datatype'], values: unknown[], shape = [values.length]): Tensor {
  return { name: 'y', datatype, shape, data: fromNumbers(datatype, values) };
}

describe('compareTensor', () => {
  it('floats: within atol + rtol·|expected| passes, beyond fails with the first element named', () => {
    const expected = tensor('FP64', [100, 0, 1]);
    expect(compareTensor(expected, tensor('FP64', [100.1, 0.00001, 1]), DEFAULT_TOLERANCE).problems).toEqual([]);
    const off = compareTensor(expected, tensor('FP64', [100, 0.001, 1]), DEFAULT_TOLERANCE);
    expect(off.problems).toEqual(["output 'y' differs from the manifest's sample in 1 of 3 elements beyond rtol 0.001, atol 0.00001 (element 1 is 0.001, expected 0, max |diff| 0.001)"]);
    expect(off.maxAbsDiff).toBeCloseTo(0.001, 12);
  });

  it('integers and booleans must be equal, whatever the tolerance', () => {
    const loose = { rtol: 1, atol: 10 };
    expect(compareTensor(tensor('INT64', [1, 2]), tensor('INT64', [1, 3]), loose).problems).toEqual(["output 'y' differs from the manifest's sample in 1 of 2 elements (element 1 is 3, expected 2)"]);
    expect(compareTensor(tensor('BOOL', [true]), tensor('BOOL', [false]), loose).problems).toHaveLength(1);
  });

  it('NaN matches NaN, an infinity only itself; datatype and shape must agree', () => {
    const special = tensor('FP32', [Number.NaN, Infinity, -Infinity]);
    expect(compareTensor(special, tensor('FP32', [Number.NaN, Infinity, -Infinity]), DEFAULT_TOLERANCE).problems).toEqual([]);
    expect(compareTensor(special, tensor('FP32', [0, Infinity, Infinity]), DEFAULT_TOLERANCE).problems[0]).toContain('in 2 of 3 elements');
    expect(compareTensor(special, tensor('FP64', [0, 0, 0]), DEFAULT_TOLERANCE).problems).toEqual(["output 'y' is FP64, the manifest has FP32"]);
    expect(compareTensor(special, tensor('FP32', [0, 0, 0], [3, 1]), DEFAULT_TOLERANCE).problems).toEqual(["output 'y' has shape [3, 1], the manifest has [3]"]);
  });
});

describe('sample tensors in manifest JSON', () => {
  it('write non-finite floats as strings and read them back', () => {
    const original = tensor('FP32', [Number.NaN, Infinity, -Infinity, 0.5]);
    const json = JSON.parse(JSON.stringify(encodeSampleTensor(original)));
    expect(json).toEqual({ name: 'y', datatype: 'FP32', shape: [4], data: ['NaN', 'Infinity', '-Infinity', 0.5] });
    expect(compareTensor(original, decodeSampleTensor(json, 'sample output'), { rtol: 0, atol: 0 }).problems).toEqual([]);
  });

  it('keep FP16 and INT64 values exact', () => {
    for (const t of [tensor('FP16', [0.1, -2, 65504]), tensor('INT64', [3, -7])]) {
      const back = decodeSampleTensor(JSON.parse(JSON.stringify(encodeSampleTensor(t))), 'sample output');
      expect(back.data).toEqual(t.data);
    }
  });
});

describe('parseTolerance', () => {
  it('reads either key, keeping the default for the other', () => {
    expect(parseTolerance('rtol=0.01')).toEqual({ rtol: 0.01, atol: 1e-5 });
    expect(parseTolerance('atol=1e-3, rtol=0')).toEqual({ rtol: 0, atol: 1e-3 });
  });

  it('refuses anything else with ERR_CONFIG_INVALID', () => {
    for (const text of ['0.01', 'rtol=', 'rtol=-1', 'rtol=a', 'btol=1', 'rtol=1=2']) {
      const error = thrownBy(() => parseTolerance(text));
      expect(error.code).toBe('ERR_CONFIG_INVALID');
      expect(error.message).toBe(`tolerance '${text}' must look like rtol=1e-3,atol=1e-5 (non-negative numbers)`);
    }
  });
});
