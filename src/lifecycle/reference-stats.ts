/**
 * Per-feature statistics of a reference dataset, stored in the manifest so that live
 * traffic can later be compared with what the model was built for (drift monitoring:
 * population stability index or a KS-style test over the same bins).
 *
 * Bins are deciles of the reference data: edges are its 0th, 10th, …, 100th percentiles
 * (linear interpolation between order statistics, numpy's default), and bin i counts the
 * values v with edges[i] ≤ v < edges[i+1]; the last bin also holds v = max.
 */
import { WsinferError } from '../errors.js';
import type { ModelSignature } from '../registry/model-signature.js';
import { checkColumnsAgainst, readReferenceColumns } from './reference-data.js';

export interface QuantileBins {
  /** BIN_COUNT + 1 ascending edges: min, the deciles, max. Equal edges mean tied values. */
  edges: number[];
  /** Values per bin; they sum to the feature's count. */
  counts: number[];
}

export interface FeatureStats {
  count: number;
  mean: number;
  /** Population standard deviation (divides by count). */
  std: number;
  min: number;
  max: number;
  bins: QuantileBins;
}

export interface ReferenceStats {
  /** Input name → statistics per feature (the input's last dim), in feature order. */
  inputs: Record<string, FeatureStats[]>;
}

export const BIN_COUNT = 10;

/** The p-quantile (0 ≤ p ≤ 1) of ascending values, interpolating linearly; p = k / BIN_COUNT. */
function decile(sorted: Float64Array, k: number): number {
  // (n − 1)·k / BIN_COUNT keeps integer positions exact, e.g. 10·3/10 = 3, not 3.0000000000000004.
  const position = ((sorted.length - 1) * k) / BIN_COUNT;
  const below = Math.floor(position);
  const fraction = position - below;
  if (fraction === 0) return sorted[below]!;
  return sorted[below]! + fraction * (sorted[below + 1]! - sorted[below]!);
}

export function featureStats(values: ArrayLike<number>): FeatureStats {
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  if (count === 0) throw new RangeError('no values');
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / count;
  // Two passes: sum of squared deviations, not E[x²] − mean², which cancels badly.
  let squares = 0;
  for (const v of sorted) squares += (v - mean) ** 2;
  const edges = Array.from({ length: BIN_COUNT + 1 }, (_, k) => decile(sorted, k));
  const counts = new Array<number>(BIN_COUNT).fill(0);
  let bin = 0;
  for (const v of sorted) {
    // Ascending values: move to the last bin whose lower edge is ≤ v (ties with a repeated
    // edge land in the last bin that starts at it).
    while (bin < BIN_COUNT - 1 && edges[bin + 1]! <= v) bin++;
    counts[bin]!++;
  }
  return { count, mean, std: Math.sqrt(squares / count), min: sorted[0]!, max: sorted[count - 1]!, bins: { edges, counts } };
}

/**
 * Statistics of parsed reference data (either layout); with `signature`, the data must
 * name only the model's inputs and fit their feature counts (else ERR_INPUT_INVALID).
 */
export function computeReferenceStats(raw: unknown, signature?: ModelSignature): ReferenceStats {
  const columns = readReferenceColumns(raw);
  if (signature) checkColumnsAgainst(columns, signature);
  const inputs: Record<string, FeatureStats[]> = {};
  for (const [name, features] of columns) {
    if (features[0]!.length === 0) throw new WsinferError('ERR_INPUT_INVALID', `reference data: input '${name}' holds no rows`);
    inputs[name] = features.map((values) => featureStats(values));
  }
  return { inputs };
}
