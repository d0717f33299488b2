/**
 * The standard normal distribution: CDF, upper tail and quantile, to about 1e-15 relative.
 * A/B p-values live in the tails (1e-6 and below for a clear winner), where the popular
 * Abramowitz–Stegun 7.1.26 erf (absolute error 1.5e-7) would be wrong in every digit.
 *
 * - erfc: W. J. Cody, "Rational Chebyshev approximations for the error function",
 *   Math. Comp. 23 (1969) 631–637, as coded in Netlib SPECFUN CALERF.
 * - quantile: M. J. Wichura, "Algorithm AS 241: The percentage points of the normal
 *   distribution", Applied Statistics 37 (1988) 477–484 (PPND16, ~1e-16).
 */

// CALERF coefficients, constant term last as in the Fortran. erf on |x| <= 0.46875:
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
// erfc on 0.46875 < x <= 4:
const ERFC_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERFC_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
// erfc on x > 4, as an asymptotic rational in 1/x²:
const ERFC_P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const ERFC_Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const ONE_OVER_SQRT_PI = 0.56418958354775628695;
/** erfc(x) underflows to 0 in double precision beyond this (CALERF's XBIG). */
const ERFC_ZERO_BEYOND = 26.543;

/** Complementary error function, erfc(x) = 1 − erf(x), full relative precision in the tail. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  let result: number;
  if (y <= 0.46875) {
    const ysq = y * y;
    let num = ERF_A[4]! * ysq;
    let den = ysq;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]!) * ysq;
      den = (den + ERF_B[i]!) * ysq;
    }
    return 1 - (x * (num + ERF_A[3]!)) / (den + ERF_B[3]!);
  }
  if (y >= ERFC_ZERO_BEYOND) {
    result = 0;
  } else {
    if (y <= 4) {
      let num = ERFC_C[8]! * y;
      let den = y;
      for (let i = 0; i < 7; i++) {
        num = (num + ERFC_C[i]!) * y;
        den = (den + ERFC_D[i]!) * y;
      }
      result = (num + ERFC_C[7]!) / (den + ERFC_D[7]!);
    } else {
      const inv = 1 / (y * y);
      let num = ERFC_P[5]! * inv;
      let den = inv;
      for (let i = 0; i < 4; i++) {
        num = (num + ERFC_P[i]!) * inv;
        den = (den + ERFC_Q[i]!) * inv;
      }
      result = (ONE_OVER_SQRT_PI - (inv * (num + ERFC_P[4]!)) / (den + ERFC_Q[4]!)) / y;
    }
    // exp(-y²) split as exp(-r²)·exp(-(y-r)(y+r)) with r = y rounded to 1/16: y² itself
    // would carry a rounding error that exp() multiplies by y² (Cody's remedy).
    const rounded = Math.trunc(y * 16) / 16;
    const rest = (y - rounded) * (y + rounded);
    result *= Math.exp(-rounded * rounded) * Math.exp(-rest);
  }
  return x < 0 ? 2 - result : result;
}

/** P(Z ≤ z) for Z ~ N(0, 1). */
export function normalCdf(z: number): number {
  return z < 0 ? 0.5 * erfc(-z / Math.SQRT2) : 1 - 0.5 * erfc(z / Math.SQRT2);
}

/** P(Z > z), computed directly so that small tails keep their digits (1 − Φ(z) would not). */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

// AS 241 PPND16 coefficients, constant term first. Central region |p − 0.5| <= 0.425:
const CENTRAL_NUM = [3.387132872796366608, 133.14166789178437745, 1971.5909503065514427, 13731.693765509461125, 45921.953931549871457, 67265.770927008700853, 33430.575583588128105, 2509.0809287301226727];
const CENTRAL_DEN = [1, 42.313330701600911252, 687.1870074920579083, 5394.1960214247511077, 21213.794301586595867, 39307.89580009271061, 28729.085735721942674, 5226.495278852854561];
// Intermediate tail, r = sqrt(−ln min(p, 1 − p)) <= 5:
const NEAR_TAIL_NUM = [1.42343711074968357734, 4.6303378461565452959, 5.7694972214606914055, 3.64784832476320460504, 1.27045825245236838258, 0.24178072517745061177, 0.0227238449892691845833, 7.7454501427834140764e-4];
const NEAR_TAIL_DEN = [1, 2.05319162663775882187, 1.6763848301838038494, 0.68976733498510000455, 0.14810397642748007459, 0.0151986665636164571966, 5.475938084995344946e-4, 1.05075007164441684324e-9];
// Far tail, r > 5 (p below about 1e-11):
const FAR_TAIL_NUM = [6.6579046435011037772, 5.4637849111641143699, 1.7848265399172913358, 0.29656057182850489123, 0.026532189526576123093, 0.0012426609473880784386, 2.71155556874348757815e-5, 2.01033439929228813265e-7];
const FAR_TAIL_DEN = [1, 0.59983220655588793769, 0.13692988092273580531, 0.0148753612908506148525, 7.868691311456132591e-4, 1.8463183175100546818e-5, 1.4215117583164458887e-7, 2.04426310338993978564e-15];

function polynomial(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * x + coefficients[i]!;
  return value;
}

/** z with Φ(z) = p; −∞ at 0 and +∞ at 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(CENTRAL_NUM, r)) / polynomial(CENTRAL_DEN, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value = polynomial(NEAR_TAIL_NUM, r) / polynomial(NEAR_TAIL_DEN, r);
  } else {
    r -= 5;
    value = polynomial(FAR_TAIL_NUM, r) / polynomial(FAR_TAIL_DEN, r);
  }
  return q < 0 ? -value : value;
}
