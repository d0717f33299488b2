/**
 * Student's t: critical values as printed in t tables, closed forms that exist for ν = 1, 2, 3
 * (A&S 26.7.3–4), and non-integer ν as Welch's test produces. High-precision references
 * were computed with mpmath at 40 digits (regularized incomplete beta), far tails with SciPy.
 */
import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTQuantile, studentTUpperTail } from '../../../src/rollout/student-t-distribution.js';
import { normalCdf, normalQuantile } from '../../../src/rollout/normal-distribution.js';
import { relativeError } from './relative-error.js';

describe('studentTQuantile', () => {
  it('matches the t table: t(0.975, 10) = 2.228139, t(0.975, 1) = 12.7062, t(0.975, 30) = 2.042272', () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 6);
    expect(studentTQuantile(0.995, 5)).toBeCloseTo(4.032143, 6);
    expect(studentTQuantile(0.95, 2)).toBeCloseTo(2.919986, 6);
  });

  it('is accurate to 1e-12 relative for integer, fractional and tiny ν and deep tails', () => {
    const reference: Array<[number, number, number]> = [
      [0.975, 10, 2.2281388519862747],
      [0.975, 1, 12.706204736174705],
      [0.975, 30, 2.0422724563012383],
      [0.995, 5, 4.0321429835552281],
      [0.975, 9.904741248650831, 2.2310469532106087],
      [0.001, 3, -10.214531852407387],
      [1e-10, 7, -53.83557948467374],
      [0.6, 1.5, 0.30074539256979543],
      [1e-20, 5, -15683.925454365775],
      [1e-200, 30, -23290831.507991146],
    ];
    for (const [p, df, t] of reference) expect(relativeError(studentTQuantile(p, df), t), `t(${p}, ${df})`).toBeLessThan(1e-12);
  });

  it('tends to the normal quantile as ν grows and equals it at ν = ∞', () => {
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966356814107, 9);
    expect(studentTQuantile(0.975, Infinity)).toBe(normalQuantile(0.975));
  });

  it('inverts studentTCdf, including ν below 1 where the tails are very heavy', () => {
    for (const df of [0.4, 2.5, 17.776, 250]) {
      for (const p of [1e-6, 0.02, 0.3, 0.5, 0.77, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
    }
  });

  it('refuses ν <= 0 and probabilities outside [0, 1]', () => {
    expect(() => studentTQuantile(0.5, 0)).toThrow(RangeError);
    expect(() => studentTQuantile(-0.1, 3)).toThrow(RangeError);
    expect(studentTQuantile(1, 3)).toBe(Infinity);
  });
});

describe('studentTCdf', () => {
  it('equals the closed forms for ν = 1 (Cauchy), 2 and 3 across the whole line', () => {
    const cauchy = (t: number) => 0.5 + Math.atan(t) / Math.PI;
    const two = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
    const three = (t: number) => 0.5 + (t / Math.sqrt(3) / (1 + (t * t) / 3) + Math.atan(t / Math.sqrt(3))) / Math.PI;
    for (const t of [-40, -7.5, -2, -1, -0.25, 0, 0.01, 0.6, 1.7, 3, 12, 400]) {
      expect(studentTCdf(t, 1), `ν=1 t=${t}`).toBeCloseTo(cauchy(t), 14);
      expect(studentTCdf(t, 2), `ν=2 t=${t}`).toBeCloseTo(two(t), 14);
      expect(studentTCdf(t, 3), `ν=3 t=${t}`).toBeCloseTo(three(t), 14);
    }
  });

  it('matches high-precision values for fractional ν and in the tails', () => {
    const reference: Array<[number, number, number]> = [
      [2.228139, 10, 0.97500000627355872],
      [0.7, 2.5, 0.72829752840522596],
      [4, 24.988529290231416, 0.99975210825245102],
      [-30, 5, 3.859324310248026e-7],
      [-6, 40, 2.3632275663940938e-7],
      [3, 0.5, 0.81634592200702828],
      [-12, 7, 3.179155189092549e-6],
    ];
    for (const [t, df, p] of reference) expect(relativeError(studentTCdf(t, df), p), `F(${t}; ${df})`).toBeLessThan(1e-11);
  });

  it('keeps tail digits: P(T > 30; ν = 5) comes from the tail itself', () => {
    expect(relativeError(studentTUpperTail(30, 5), 3.859324310248026e-7)).toBeLessThan(1e-11);
    expect(studentTUpperTail(0, 12)).toBeCloseTo(0.5, 15);
  });

  it('becomes the normal CDF for very large ν and at ν = ∞', () => {
    for (const t of [-3, -1, 0.5, 2]) expect(studentTCdf(t, 1e9)).toBeCloseTo(normalCdf(t), 9);
    expect(studentTCdf(1.3, Infinity)).toBe(normalCdf(1.3));
    expect(studentTCdf(Infinity, 4)).toBe(1);
    expect(studentTCdf(-Infinity, 4)).toBe(0);
  });
});
