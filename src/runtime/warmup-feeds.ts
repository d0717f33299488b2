/**
 * The zero-filled inputs an instance runs once per warm-up batch size before it reports
 * ready: onnxruntime allocates and plans on a session's first run of a shape, which would
 * otherwise land on the first requests.
 */
import type * as ort from 'onnxruntime-node';
import { allocate, elementCount, toOrtType } from '../protocol/datatypes.js';
import type { ModelSignature } from '../registry/model-signature.js';
import { onnxruntime } from './onnxruntime.js';

/** Runs each warm-up size once (a model that does not batch: the first size only). */
export async function warmUp(session: ort.InferenceSession, signature: ModelSignature, batchable: boolean, batchSizes: readonly number[]): Promise<void> {
  for (const size of batchable ? batchSizes : batchSizes.slice(0, 1)) await session.run(warmupFeeds(signature, batchable, size));
}

function warmupFeeds(signature: ModelSignature, batchable: boolean, batchSize: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const spec of signature.inputs) {
    const dims = spec.shape.map((dim, axis) => (axis === 0 && batchable ? batchSize : dim < 0 ? 1 : dim));
    feeds[spec.name] = new onnxruntime.Tensor(toOrtType(spec.datatype), allocate(spec.datatype, elementCount(dims)), dims);
  }
  return feeds;
}
