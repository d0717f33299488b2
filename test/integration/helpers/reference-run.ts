/**
 * Running a model in-process with onnxruntime, alone (batch of one request), to compare
 * against what the server returned for the same input.
 */
import * as ort from 'onnxruntime-node';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

export function referenceSession(modelPath: string): Promise<ort.InferenceSession> {
  let session = sessions.get(modelPath);
  if (!session) {
    session = ort.InferenceSession.create(modelPath, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
    sessions.set(modelPath, session);
  }
  return session;
}

export async function referenceRun(modelPath: string, feeds: Record<string, ort.Tensor>, output: string): Promise<Float32Array> {
  const session = await referenceSession(modelPath);
  const results = await session.run(feeds);
  return results[output]!.data as Float32Array;
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function seededFloats(seed: number, length: number): Float32Array {
  let state = seed >>> 0 || 1;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    out[i] = (state / 0x100000000) * 2 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
