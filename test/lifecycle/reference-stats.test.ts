/**
 * Reference statistics on datasets small enough to work out by hand: deciles by linear
 * interpolation (numpy's default), bin counts, mean and population std, both input
 * layouts, and the data that is refused.
 */
import { describe, expect, it } from 'vitest';
import { computeReferenceStats, featureStats } from '../../src/lifecycle/reference-stats.js';
import type { ModelSignature } from '../../src/registry/model-signature.js';
import { thrownBy } from '../unit/thrown-error.js';

const zeroToTen = [7, 3, 10, 0, 5, 1, 9, 2, 8, 4, 6];

describe('featureStats', () => {
  it('0..10: the deciles are the values themselves, the last bin holds 9 and 10', () => {
    const stats = featureStats(zeroToTen);
    expect(stats).toEqual({
      count: 11,
      mean: 5,
      std: Math.sqrt(10),
      min: 0,
      max: 10,
      bins: { edges: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], counts: [1, 1, 1, 1, 1, 1, 1, 1, 1, 2] },
    });
  });

  it('1..10: deciles interpolate between order statistics (numpy.percentile)', () => {
    const stats = featureStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const numpy = [1, 1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1, 10];
    stats.bins.edges.forEach((edge, i) => expect(edge).toBeCloseTo(numpy[i]!, 12));
    expect(stats.bins.counts).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(stats.mean).toBe(5.5);
    expect(stats.std).toBeCloseTo(Math.sqrt(8.25), 12);
  });

  it('tied values share repeated edges and land in the last bin that starts at them', () => {
    expect(featureStats([5, 5, 5, 5]).bins).toEqual({ edges: new Array(11).fill(5), counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 4] });
    const binary = featureStats([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(binary.bins.edges).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect(binary.bins.counts).toEqual([0, 0, 0, 0, 0, 6, 0, 0, 0, 5]);
  });
});

const signature: ModelSignature = {
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [-1, 2] },
    { name: 'count', datatype: 'INT64', shape: [-1] },
  ],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1] }],
};

describe('computeReferenceStats', () => {
  const rows = zeroToTen.map((v) => [v, 10 - v]);

  it('rows layout: the last dim is the feature axis; a list of plain values is one feature', () => {
    const stats = computeReferenceStats({ features: rows, count: [1, 2, 3, 4] }, signature);
    expect(Object.keys(stats.inputs)).toEqual(['features', 'count']);
    expect(stats.inputs.features).toHaveLength(2);
    expect(stats.inputs.features![0]!.bins.edges).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stats.inputs.features![1]).toMatchObject({ mean: 5, min: 0, max: 10 });
    expect(stats.inputs.count).toEqual([featureStats([1, 2, 3, 4])]);
  });

  it('OIP tensors, with tensors of one name appended, give the same statistics', () => {
    const flat = rows.flat();
    const oip = computeReferenceStats({ inputs: [
      { name: 'features', datatype: 'FP32', shape: [5, 2], data: flat.slice(0, 10) },
      { name: 'features', datatype: 'FP32', shape: [6, 2], data: flat.slice(10) },
    ] }, signature);
    expect(oip).toEqual(computeReferenceStats({ features: rows }, signature));
    expect(computeReferenceStats([{ name: 'features', datatype: 'FP32', shape: [11, 2], data: flat }])).toEqual(oip);
  });

  it('refuses data that does not fit the model, naming the input', () => {
    const cases: Array<[unknown, string]> = [
      [{ features: rows, extra: [[1]] }, "reference data: 'extra' is not an input of the model (inputs: features, count)"],
      [{ features: [[1, 2, 3]] }, "reference data: input 'features' has 3 features, the model's input has 2 (shape [-1, 2])"],
      [{ features: [[1, 2], [3]] }, "reference data: input 'features' row 1 has 1 values, earlier rows have 2"],
      [{ features: [[1, 'x']] }, 'reference data: input \'features\' row 0[1] holds "x", not a finite number'],
      [{ features: [] }, "reference data: input 'features' must be a non-empty array of rows"],
      ['rows', 'reference data: must be an object of input name → rows, or a list of OIP tensors'],
    ];
    for (const [data, message] of cases) {
      const error = thrownBy(() => computeReferenceStats(data, signature));
      expect(error.code).toBe('ERR_INPUT_INVALID');
      expect(error.message).toBe(message);
    }
  });
});
