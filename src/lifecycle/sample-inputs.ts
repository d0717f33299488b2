/**
 * The sample input a manifest carries: the user's (`--sample inputs.json`, OIP tensors) or,
 * without one, a deterministic one built from the signature, so packaging the same file
 * twice gives the same manifest apart from its time.
 */
import { WsinferError } from '../errors.js';
import { type Datatype, fromNumbers } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';
import { validateInputs } from '../registry/input-validator.js';
import type { ModelSignature, TensorSpec } from '../registry/model-signature.js';
import { seededRandom } from '../seeded-random.js';
import { decodeSampleTensor } from './sample-tensor.js';

export const SAMPLE_SEED = 1;

/**
 * Integer inputs are often indices (token ids, categories) checked against a table size,
 * or counts; 1..3 stays inside any real table, and leaves out 0, which as a count or a
 * factor zeroes the outputs and leaves the sample checking nothing.
 */
const SAMPLE_INTEGERS = { min: 1, max: 3 } as const;

const FLOATS: ReadonlySet<Datatype> = new Set(['FP16', 'FP32', 'FP64']);

function sampleValues(spec: TensorSpec, length: number, next: () => number): unknown[] {
  const values: unknown[] = new Array(length);
  for (let i = 0; i < length; i++) {
    const u = next();
    if (FLOATS.has(spec.datatype)) values[i] = Math.fround(u * 2 - 1);
    else if (spec.datatype === 'BOOL') values[i] = u < 0.5;
    else if (spec.datatype === 'BYTES') values[i] = `sample ${i}`;
    else values[i] = SAMPLE_INTEGERS.min + Math.floor(u * (SAMPLE_INTEGERS.max - SAMPLE_INTEGERS.min + 1));
  }
  return values;
}

/** One tensor per input, dynamic dims set to 1, values from a seeded stream in input order. */
export function generateSampleInputs(signature: ModelSignature, seed = SAMPLE_SEED): Tensor[] {
  const next = seededRandom(seed);
  return signature.inputs.map((spec) => {
    const shape = spec.shape.map((dim) => (dim < 0 ? 1 : dim));
    const length = shape.reduce((a, b) => a * b, 1);
    return { name: spec.name, datatype: spec.datatype, shape, data: fromNumbers(spec.datatype, sampleValues(spec, length, next)) };
  });
}

/**
 * A user's sample: `{ "inputs": [OIP tensors] }` (an OIP request body) or a bare list,
 * checked against the model as the server checks a request. Returned in input order.
 */
export function readSampleInputs(raw: unknown, signature: ModelSignature): Tensor[] {
  const list = Array.isArray(raw) ? raw : (raw as { inputs?: unknown } | null)?.inputs;
  if (!Array.isArray(list)) {
    throw new WsinferError('ERR_INPUT_INVALID', 'sample: expected { "inputs": [OIP tensors] } or a list of OIP tensors');
  }
  const tensors = list.map((t) => decodeSampleTensor(t, 'sample input'));
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new WsinferError('ERR_INPUT_INVALID', `sample: input '${t.name}' appears twice`);
    names.add(t.name);
  }
  try {
    // maxBatchSize 0: a sample is one request whatever the model's batching.
    return validateInputs({ id: 'sample', model: '', inputs: tensors, parameters: { extra: {} }, binaryData: false }, signature, 0).inputs;
  } catch (error) {
    if (error instanceof WsinferError) throw new WsinferError(error.code, `sample: ${error.message}`);
    throw error;
  }
}
