/**
 * Whether a model still computes what it computed when it was packaged: one output tensor
 * against the one stored in its manifest, numpy.allclose-style for floats
 * (|actual − expected| ≤ atol + rtol·|expected|), exact for everything else.
 */
import { type Datatype, toNumbers } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';
import type { Tolerance } from './tolerance.js';

const FLOAT_DATATYPES: ReadonlySet<Datatype> = new Set(['FP16', 'FP32', 'FP64']);

export interface TensorDifference {
  /** Empty when the tensors agree within tolerance. */
  problems: string[];
  /** Largest |actual − expected| over float elements; 0 for exact types. */
  maxAbsDiff: number;
}

function sameFloat(actual: number, expected: number, tolerance: Tolerance): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tolerance.atol + tolerance.rtol * Math.abs(expected);
}

export function compareTensor(expected: Tensor, actual: Tensor, tolerance: Tolerance): TensorDifference {
  const label = `output '${expected.name}'`;
  if (expected.datatype !== actual.datatype) {
    return { problems: [`${label} is ${actual.datatype}, the manifest has ${expected.datatype}`], maxAbsDiff: Infinity };
  }
  if (expected.shape.length !== actual.shape.length || expected.shape.some((dim, i) => dim !== actual.shape[i])) {
    return { problems: [`${label} has shape [${actual.shape.join(', ')}], the manifest has [${expected.shape.join(', ')}]`], maxAbsDiff: Infinity };
  }
  const want = toNumbers(expected.datatype, expected.data);
  const got = toNumbers(actual.datatype, actual.data);
  const isFloat = FLOAT_DATATYPES.has(expected.datatype);
  let mismatches = 0;
  let first = -1;
  let maxAbsDiff = 0;
  for (let i = 0; i < want.length; i++) {
    const e = want[i]!;
    const a = got[i]!;
    const same = isFloat ? sameFloat(a as number, e as number, tolerance) : a === e;
    if (isFloat && Number.isFinite(e) && Number.isFinite(a)) maxAbsDiff = Math.max(maxAbsDiff, Math.abs((a as number) - (e as number)));
    if (!same) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  if (mismatches === 0) return { problems: [], maxAbsDiff };
  const within = isFloat ? ` beyond rtol ${tolerance.rtol}, atol ${tolerance.atol}` : '';
  const detail = `element ${first} is ${String(got[first])}, expected ${String(want[first])}`;
  const max = isFloat ? `, max |diff| ${Number(maxAbsDiff.toPrecision(3))}` : '';
  return { problems: [`${label} differs from the manifest's sample in ${mismatches} of ${want.length} elements${within} (${detail}${max})`], maxAbsDiff };
}
