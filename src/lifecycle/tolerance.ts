/**
 * How far a later run of a manifest's sample may stray from the recorded outputs, and the
 * `rtol=…,atol=…` text form the CLI takes.
 */
import { WsinferError } from '../errors.js';

export interface Tolerance {
  /** Relative tolerance, scaled by |expected|. */
  rtol: number;
  /** Absolute tolerance, for values near zero. */
  atol: number;
}

/**
 * Wide enough for the same model on another execution provider or thread count (CUDA's
 * TF32 matmuls keep 10 mantissa bits, ~1e-3 relative; summation order moves float32 by
 * ~1e-6), narrow enough that a changed weight or a broken runtime shows.
 */
export const DEFAULT_TOLERANCE: Readonly<Tolerance> = Object.freeze({ rtol: 1e-3, atol: 1e-5 });

/** `rtol=1e-3,atol=1e-5`; a key left out keeps its value from `base`. Invalid → ERR_CONFIG_INVALID. */
export function parseTolerance(text: string, base: Tolerance = DEFAULT_TOLERANCE): Tolerance {
  const out = { ...base };
  for (const part of text.split(',')) {
    const [key, value, extra] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if ((key !== 'rtol' && key !== 'atol') || value === undefined || value === '' || extra !== undefined || !Number.isFinite(n) || n < 0) {
      throw new WsinferError('ERR_CONFIG_INVALID', `tolerance '${text}' must look like rtol=1e-3,atol=1e-5 (non-negative numbers)`);
    }
    out[key] = n;
  }
  return out;
}
