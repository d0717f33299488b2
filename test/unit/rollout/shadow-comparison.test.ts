/**
 * How far a shadow's outputs are from the primary's, as the shadow metrics report it: the
 * largest absolute difference, and rows of class scores whose argmax differs.
 */
import { describe, expect, it } from 'vitest';
import type { Datatype } from '../../../src/protocol/datatypes.js';
import { toHalfBits } from '../../../src/protocol/float16.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import { compareOutputs } from '../../../src/rollout/shadow-comparison.js';

function fp32(name: string, shape: number[], values: number[]): Tensor {
  return { name, datatype: 'FP32', shape, data: Float32Array.from(values) };
}

function tensor(name: string, datatype: Datatype, shape: number[], data: Tensor['data']): Tensor {
  return { name, datatype, shape, data };
}

describe('compareOutputs — agreement', () => {
  it('finds identical class scores identical: no difference, every row compared, no mismatch', () => {
    const scores = fp32('probs', [2, 3], [0.1, 0.7, 0.2, 0.5, 0.25, 0.25]);
    expect(compareOutputs([scores], [fp32('probs', [2, 3], [0.1, 0.7, 0.2, 0.5, 0.25, 0.25])]))
      .toEqual({ maxAbsDiff: 0, rows: 2, argmaxMismatches: 0, incomparable: false });
  });

  it('reports the largest absolute difference over all elements, in either direction', () => {
    const result = compareOutputs([fp32('y', [4, 1], [1, 2, 3, 4])], [fp32('y', [4, 1], [1.25, 1.5, 3, 4.125])]);
    expect(result.maxAbsDiff).toBe(0.5);
  });
});

describe('compareOutputs — argmax per row', () => {
  it('counts the rows of a [rows, classes] output whose highest class differs', () => {
    const primary = fp32('probs', [3, 3], [0.1, 0.7, 0.2, 0.5, 0.25, 0.25, 0, 0, 1]);
    const shadow = fp32('probs', [3, 3], [0.1, 0.2, 0.7, 0.5, 0.25, 0.25, 0.5, 0, 0.5]);
    expect(compareOutputs([primary], [shadow])).toEqual({ maxAbsDiff: 0.5, rows: 3, argmaxMismatches: 2, incomparable: false });
  });

  it('does not count a changed score that leaves the highest class where it was', () => {
    const result = compareOutputs([fp32('logits', [1, 4], [3, 1, 0, -1])], [fp32('logits', [1, 4], [2.5, 2, -1, 0])]);
    expect(result).toMatchObject({ rows: 1, argmaxMismatches: 0 });
    expect(result.maxAbsDiff).toBe(1);
  });

  it('compares no rows for outputs whose last dim is 1 (regressions, single scores)', () => {
    const result = compareOutputs([fp32('score', [3, 1], [0, 1, 0])], [fp32('score', [3, 1], [1, 0, 1])]);
    expect(result).toEqual({ maxAbsDiff: 1, rows: 0, argmaxMismatches: 0, incomparable: false });
  });

  it('treats a one-dimensional output of several values as one row', () => {
    expect(compareOutputs([fp32('probs', [3], [0.2, 0.5, 0.3])], [fp32('probs', [3], [0.5, 0.25, 0.25])]))
      .toMatchObject({ rows: 1, argmaxMismatches: 1 });
  });

  it('counts every leading position of a [batch, tokens, classes] output as a row', () => {
    const primary = fp32('tags', [2, 2, 2], [1, 0, 0, 1, 1, 0, 0, 1]);
    const shadow = fp32('tags', [2, 2, 2], [1, 0, 1, 0, 1, 0, 1, 0]);
    expect(compareOutputs([primary], [shadow])).toMatchObject({ rows: 4, argmaxMismatches: 2 });
  });

  it('adds up rows and mismatches over several outputs and takes the largest difference of any', () => {
    const primary = [fp32('probs', [2, 2], [1, 0, 0, 1]), fp32('score', [2, 1], [0, 0])];
    const shadow = [fp32('score', [2, 1], [0, 2]), fp32('probs', [2, 2], [0, 1, 0, 1])];
    expect(compareOutputs(primary, shadow)).toEqual({ maxAbsDiff: 2, rows: 2, argmaxMismatches: 1, incomparable: false });
  });

  it('compares integer outputs held in ordinary typed arrays', () => {
    const primary = tensor('counts', 'INT32', [1, 3], Int32Array.from([5, -2, 9]));
    const shadow = tensor('counts', 'INT32', [1, 3], Int32Array.from([5, 12, 9]));
    expect(compareOutputs([primary], [shadow])).toEqual({ maxAbsDiff: 14, rows: 1, argmaxMismatches: 1, incomparable: false });
  });

  it('compares FP16 outputs by their values, not by their bit patterns', () => {
    const half = (values: number[]) => Uint16Array.from(values.map(toHalfBits));
    const primary = tensor('probs', 'FP16', [1, 2], half([0.25, 0.5]));
    const shadow = tensor('probs', 'FP16', [1, 2], half([-0.5, -0.25]));
    expect(compareOutputs([primary], [shadow])).toEqual({ maxAbsDiff: 0.75, rows: 1, argmaxMismatches: 0, incomparable: false });
  });
});

describe('compareOutputs — outputs that do not line up', () => {
  it('is incomparable when the shadow lacks an output the primary has, and still compares the rest', () => {
    const result = compareOutputs(
      [fp32('probs', [1, 2], [1, 0]), fp32('embedding', [1, 2], [0, 0])],
      [fp32('probs', [1, 2], [0, 1]), fp32('features', [1, 2], [0, 0])],
    );
    expect(result).toEqual({ maxAbsDiff: 1, rows: 1, argmaxMismatches: 1, incomparable: true });
  });

  it('is incomparable when shapes differ, even with as many elements', () => {
    expect(compareOutputs([fp32('y', [2, 3], [0, 0, 0, 0, 0, 0])], [fp32('y', [3, 2], [0, 0, 0, 0, 0, 0])]))
      .toEqual({ maxAbsDiff: 0, rows: 0, argmaxMismatches: 0, incomparable: true });
  });

  it('is incomparable for string outputs', () => {
    const labels = tensor('label', 'BYTES', [1], ['cat']);
    expect(compareOutputs([labels], [tensor('label', 'BYTES', [1], ['dog'])])).toMatchObject({ incomparable: true, rows: 0 });
  });

  it('ignores extra outputs the shadow has', () => {
    expect(compareOutputs([fp32('y', [1, 1], [1])], [fp32('extra', [1, 1], [9]), fp32('y', [1, 1], [1])]))
      .toEqual({ maxAbsDiff: 0, rows: 0, argmaxMismatches: 0, incomparable: false });
  });

  it('has nothing to compare when there are no outputs', () => {
    expect(compareOutputs([], [])).toEqual({ maxAbsDiff: 0, rows: 0, argmaxMismatches: 0, incomparable: false });
  });
});
