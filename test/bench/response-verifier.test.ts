import { describe, expect, it } from 'vitest';
import { ResponseVerifier, compareOutputs } from '../../src/bench/response-verifier.js';

const reference = { y: { dims: [2, 2], data: new Float32Array([0.5, 1, -2, 3]), type: 'float32' } };

describe('compareOutputs', () => {
  it('accepts the last-bits differences of another kernel', () => {
    expect(compareOutputs([{ name: 'y', datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.50001, 1, -2.0001, 3]) }], reference)).toBeUndefined();
  });

  it('names the first value off, as rows from another request would be', () => {
    const swapped = new Float32Array([-2, 3, 0.5, 1]);
    expect(compareOutputs([{ name: 'y', datatype: 'FP32', shape: [2, 2], data: swapped }], reference)).toMatch(/'y'\[0\]: -2 vs 0.5/);
  });

  it('names a wrong shape or an unknown output', () => {
    expect(compareOutputs([{ name: 'y', datatype: 'FP32', shape: [1, 4], data: new Float32Array(4) }], reference)).toMatch(/shape/);
    expect(compareOutputs([{ name: 'z', datatype: 'FP32', shape: [2, 2], data: new Float32Array(4) }], reference)).toMatch(/not an output/);
  });

  it('compares integers exactly', () => {
    const ints = { k: { dims: [2], data: new BigInt64Array([1n, 2n]), type: 'int64' } };
    expect(compareOutputs([{ name: 'k', datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 2n]) }], ints)).toBeUndefined();
    expect(compareOutputs([{ name: 'k', datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 3n]) }], ints)).toMatch(/3 vs 2/);
  });
});

describe('ResponseVerifier sampling', () => {
  it('asks for outputs on every stride-th request and keeps at most its sample size', () => {
    const verifier = new ResponseVerifier(3, 2);
    const asked = Array.from({ length: 6 }, () => verifier.wantOutputs());
    expect(asked).toEqual([true, false, true, false, true, false]);
    for (let i = 0; i < 10; i++) verifier.tap(i, { ok: true, timing: undefined, recvUs: 0, outputs: [] });
    verifier.tap(99, { ok: true, timing: undefined, recvUs: 0 });
    expect(verifier.sampled).toBe(3);
  });
});
