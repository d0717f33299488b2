/**
 * Does a loaded model still compute what its manifest recorded? The model's IO against the
 * manifest's signature, then the manifest's sample input run through the session and each
 * output compared within tolerance. The server's loader calls this with the session it
 * already has; `wsinfer validate` with one of its own.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { toErrorPayload } from '../errors.js';
import { signatureOf } from '../registry/model-signature.js';
import type { Manifest } from './manifest.js';
import { runTensors } from './sample-run.js';
import { decodeSampleTensor } from './sample-tensor.js';
import { diffSignatures } from './signature-diff.js';
import { compareTensor } from './tensor-compare.js';
import type { Tolerance } from './tolerance.js';

export interface SampleCheck {
  ok: boolean;
  problems: string[];
  /** Largest |actual − expected| over float outputs; absent when the sample did not run. */
  maxAbsDiff?: number;
}

/** `tolerance` overrides the manifest's own (`sample.tolerance`). */
export async function checkSample(session: InferenceSession, manifest: Manifest, tolerance?: Tolerance): Promise<SampleCheck> {
  let problems: string[];
  try {
    problems = diffSignatures(manifest.signature, signatureOf(session));
  } catch (error) {
    return { ok: false, problems: [toErrorPayload(error).message] };
  }
  if (problems.length > 0) return { ok: false, problems };
  let expected;
  let actual;
  try {
    const inputs = manifest.sample.inputs.map((t) => decodeSampleTensor(t, 'sample input'));
    expected = manifest.sample.outputs.map((t) => decodeSampleTensor(t, 'sample output'));
    actual = await runTensors(session, inputs);
  } catch (error) {
    return { ok: false, problems: [`sample: ${toErrorPayload(error).message}`] };
  }
  const limits = tolerance ?? manifest.sample.tolerance;
  let maxAbsDiff = 0;
  for (const want of expected) {
    const got = actual.find((t) => t.name === want.name);
    if (!got) {
      problems.push(`sample output '${want.name}' is not produced by the model`);
      continue;
    }
    const difference = compareTensor(want, got, limits);
    problems.push(...difference.problems);
    maxAbsDiff = Math.max(maxAbsDiff, difference.maxAbsDiff);
  }
  return { ok: problems.length === 0, problems, maxAbsDiff };
}
