/**
 * Student's t distribution with real (not only integer) degrees of freedom, since Welch's
 * test uses the Welch–Satterthwaite df (24.99, 9.90, …). ν = Infinity is the standard normal.
 */
import { logBeta, regularizedIncompleteBeta } from './incomplete-beta.js';
import { normalCdf, normalQuantile, normalUpperTail } from './normal-distribution.js';

const LARGE_DF = 4e5;

function checkDegreesOfFreedom(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
}

/**
 * P(T > t) = ½·I_x(ν/2, ½) with x = ν/(ν + t²) for t >= 0 (A&S §26.7); 1 − x is passed as
 * t²/(ν + t²) so that small t keeps its precision.
 */
export function studentTUpperTail(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalUpperTail(t);
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  // Past 4·10⁵ df the continued fraction's rounding (~1e-16·ν/t² near t² ≈ 3) would exceed
  // the error of A&S 26.7.8's normal approximation, under 3e-11 absolute there; the switch
  // point is R's (nmath pt.c).
  if (df > LARGE_DF) return normalUpperTail((t * (1 - 1 / (4 * df))) / Math.sqrt(1 + (t * t) / (2 * df)));
  const t2 = t * t;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
  return t >= 0 ? tail : 1 - tail;
}

/** P(T ≤ t) for T ~ t(ν). */
export function studentTCdf(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (df === Infinity) return normalCdf(t);
  return t < 0 ? studentTUpperTail(-t, df) : 1 - studentTUpperTail(t, df);
}

/** Density f(t) = (1 + t²/ν)^(−(ν+1)/2) / (√ν · B(ν/2, ½)). */
function studentTDensity(t: number, df: number): number {
  return Math.exp(-0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

const QUANTILE_MAX_ITERATIONS = 200;

/**
 * t with P(T ≤ t) = p. Closed forms for ν = 1 (Cauchy) and ν = 2; otherwise Newton's method
 * on the upper tail, kept inside a bisection bracket so that a heavy-tailed start cannot
 * overshoot (ν < 1 puts the 0.999 quantile beyond 10⁴).
 */
export function studentTQuantile(p: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  // Solve for the upper tail q = P(T > t) with t > 0, then restore the sign.
  const sign = p > 0.5 ? 1 : -1;
  const q = p > 0.5 ? 1 - p : p;
  if (df === 1) return sign / Math.tan(Math.PI * q);
  if (df === 2) return (sign * (1 - 2 * q)) / Math.sqrt(2 * q * (1 - q));
  // −Φ⁻¹(q), not Φ⁻¹(1 − q): 1 − q rounds to 1 for q below 1e-16.
  const normalGuess = -normalQuantile(q);
  let lo = 0;
  let hi = Math.max(1, normalGuess);
  while (studentTUpperTail(hi, df) > q) {
    lo = hi;
    hi *= 2;
    if (hi === Infinity) return sign * Infinity;
  }
  let t = Math.min(Math.max(normalGuess, lo), hi);
  for (let i = 0; i < QUANTILE_MAX_ITERATIONS; i++) {
    const excess = studentTUpperTail(t, df) - q;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / studentTDensity(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 1e-15 * Math.max(1, Math.abs(t)) || hi - lo <= 1e-15 * hi) return sign * next;
    t = next;
  }
  return sign * t;
}
