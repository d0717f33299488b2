/**
 * Φ and Φ⁻¹: the published table values an A/B report leans on (1.96, 0.975), plus deep-tail
 * points where a 1e-7 erf approximation would already be wrong in every digit.
 * High-precision references were computed with mpmath at 40 digits (ncdf, erfinv).
 */
import { describe, expect, it } from 'vitest';
import { erfc, normalCdf, normalQuantile, normalUpperTail } from '../../../src/rollout/normal-distribution.js';
import { relativeError } from './relative-error.js';

describe('normalCdf', () => {
  it('matches the standard normal table: Φ(1.96) = 0.9750021, Φ(−3) = 0.0013499, Φ(1) = 0.8413447', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021, 7);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 7);
    expect(normalCdf(1)).toBeCloseTo(0.8413447, 7);
    expect(normalCdf(0)).toBe(0.5);
  });

  it('keeps about 13 significant digits from the centre out to z = −37 (values near 1e-300)', () => {
    const reference: Array<[number, number]> = [
      [-37, 5.7255712225245768e-300],
      [-20, 2.7536241186062337e-89],
      [-8.5, 9.4795348222033184e-18],
      [-5, 2.8665157187919391e-7],
      [-3, 0.0013498980316300945],
      [-1.5, 0.066807201268858066],
      [-0.5, 0.3085375387259869],
      [0.3, 0.61791142218895263],
      [1.96, 0.97500210485177956],
      [2.5, 0.99379033467422386],
      [4, 0.99996832875816688],
      [6, 0.99999999901341235],
    ];
    for (const [z, phi] of reference) expect(relativeError(normalCdf(z), phi), `Φ(${z})`).toBeLessThan(1e-12);
  });

  it('gives the upper tail with its own digits, not as 1 − Φ', () => {
    expect(relativeError(normalUpperTail(8.5), 9.4795348222033184e-18)).toBeLessThan(1e-12);
    expect(relativeError(normalUpperTail(5), 2.8665157187919391e-7)).toBeLessThan(1e-12);
    expect(normalUpperTail(-Infinity)).toBe(1);
    expect(normalUpperTail(Infinity)).toBe(0);
  });

  it('satisfies erfc(x) + erfc(−x) = 2 and erfc(0) = 1 across the three approximation intervals', () => {
    expect(erfc(0)).toBe(1);
    for (const x of [0.2, 0.46875, 0.9, 2.5, 4, 4.5, 10]) expect(erfc(x) + erfc(-x)).toBeCloseTo(2, 15);
    expect(Number.isNaN(normalCdf(NaN))).toBe(true);
  });
});

describe('normalQuantile', () => {
  it('matches the published critical values: Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.95) = 1.644854, Φ⁻¹(0.8) = 0.841621', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.5)).toBe(0);
  });

  it('is accurate to 1e-14 relative in all three AS 241 regions, down to p = 1e-300', () => {
    const reference: Array<[number, number]> = [
      [1e-300, -37.047096299361199],
      [1e-20, -9.2623400897984076],
      [1e-10, -6.3613409024040562],
      [1e-5, -4.2648907939228246],
      [0.001, -3.0902323061678135],
      [0.025, -1.9599639845400542],
      [0.3, -0.52440051270804078],
      [0.8, 0.84162123357291421],
      [0.999, 3.0902323061678135],
    ];
    for (const [p, z] of reference) expect(relativeError(normalQuantile(p), z), `Φ⁻¹(${p})`).toBeLessThan(1e-14);
  });

  it('inverts normalCdf', () => {
    for (const z of [-6, -2.3, -0.1, 0.7, 1.5, 3.2]) expect(normalQuantile(normalCdf(z))).toBeCloseTo(z, 9);
  });

  it('returns ±∞ at 0 and 1 and refuses probabilities outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(NaN)).toThrow(RangeError);
  });
});
