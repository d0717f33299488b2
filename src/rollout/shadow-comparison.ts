/**
 * How far a shadow version's outputs are from the primary's for the same input: the
 * largest absolute difference, and — for outputs whose last dim holds class scores — how
 * many rows pick a different class.
 */
import { fromHalfBits } from '../protocol/float16.js';
import type { Tensor } from '../protocol/tensor.js';

export interface ShadowDisagreement {
  maxAbsDiff: number;
  /** Rows compared by argmax (0 when no output has a last dim above 1). */
  rows: number;
  argmaxMismatches: number;
  /** Output names or shapes did not line up. */
  incomparable: boolean;
}

function numeric(tensor: Tensor): ArrayLike<number> | undefined {
  const { data } = tensor;
  if (Array.isArray(data) || data instanceof BigInt64Array || data instanceof BigUint64Array) return undefined;
  // FP16 is stored as bit patterns: compare the values they stand for.
  if (tensor.datatype === 'FP16') return Array.from(data as Uint16Array, fromHalfBits);
  return data as ArrayLike<number>;
}

function argmax(values: ArrayLike<number>, start: number, length: number): number {
  let best = start;
  for (let i = start + 1; i < start + length; i++) if (values[i]! > values[best]!) best = i;
  return best - start;
}

export function compareOutputs(primary: readonly Tensor[], shadow: readonly Tensor[]): ShadowDisagreement {
  const result: ShadowDisagreement = { maxAbsDiff: 0, rows: 0, argmaxMismatches: 0, incomparable: false };
  for (const p of primary) {
    const s = shadow.find((t) => t.name === p.name);
    const a = numeric(p);
    const b = s ? numeric(s) : undefined;
    if (!s || !a || !b || a.length !== b.length || s.shape.join() !== p.shape.join()) {
      result.incomparable = true;
      continue;
    }
    for (let i = 0; i < a.length; i++) result.maxAbsDiff = Math.max(result.maxAbsDiff, Math.abs(a[i]! - b[i]!));
    const classes = p.shape.at(-1) ?? 1;
    if (p.shape.length >= 1 && classes > 1) {
      for (let row = 0; row < a.length / classes; row++) {
        result.rows++;
        if (argmax(a, row * classes, classes) !== argmax(b, row * classes, classes)) result.argmaxMismatches++;
      }
    }
  }
  return result;
}
