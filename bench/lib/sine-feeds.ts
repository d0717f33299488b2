/**
 * Inputs for runs in-process (the limit, the CUDA checks): every input of the session as a
 * float32 tensor of `batch` rows, dynamic dimensions 1, values sin(i) — the same bytes on
 * every run, so run times and outputs compare across sessions and providers.
 */
import type * as ort from 'onnxruntime-node';
import { onnxruntime } from '../../src/runtime/onnxruntime.js';

export function sineFeeds(session: ort.InferenceSession, batch: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor || meta.type !== 'float32') throw new Error(`input '${meta.name}': only float32 inputs are fed in-process`);
    const dims = meta.shape.map((d, axis) => (axis === 0 ? batch : typeof d === 'number' && d >= 0 ? d : 1));
    const size = dims.reduce((a, b) => a * b, 1);
    feeds[meta.name] = new onnxruntime.Tensor('float32', Float32Array.from({ length: size }, (_, i) => Math.sin(i)), dims);
  }
  return feeds;
}
