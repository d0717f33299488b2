/**
 * Checking a decoded request against the model it names, before it is admitted: every
 * input present once, datatypes and shapes as the model declares, dim 0 agreeing across
 * inputs and within maxBatchSize. What comes out is ready to batch.
 */
import { WsinferError } from '../errors.js';
import type { InferRequest } from '../protocol/infer-request.js';
import type { Tensor } from '../protocol/tensor.js';
import type { ModelSignature, TensorSpec } from './model-signature.js';

export interface ValidatedInputs {
  /** In the model's input order. */
  inputs: Tensor[];
  /** Rows along dim 0; 1 for models that do not batch. */
  rows: number;
  /** Equal keys ⇔ the requests' non-batch dims match, so they may share a batch. */
  shapeKey: string;
  outputNames: string[];
}

function invalid(message: string): WsinferError {
  return new WsinferError('ERR_INPUT_INVALID', message);
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.map((d) => (d < 0 ? '-1' : String(d))).join(', ')}]`;
}

function checkShape(tensor: Tensor, spec: TensorSpec): void {
  if (tensor.shape.length !== spec.shape.length) {
    throw invalid(`input '${tensor.name}': shape ${formatShape(tensor.shape)} has rank ${tensor.shape.length}, the model expects ${formatShape(spec.shape)}`);
  }
  spec.shape.forEach((dim, axis) => {
    if (dim >= 0 && tensor.shape[axis] !== dim) {
      throw invalid(`input '${tensor.name}': shape ${formatShape(tensor.shape)} does not match the model's ${formatShape(spec.shape)} at dim ${axis}`);
    }
  });
}

/** What every request to one signature is checked against, worked out once per signature. */
interface SignatureNames {
  inputs: readonly string[];
  /** The outputs a request gets when it names none (shared, read-only). */
  defaultOutputs: readonly string[];
  outputs: ReadonlySet<string>;
}

const namesBySignature = new WeakMap<ModelSignature, SignatureNames>();

function namesOf(signature: ModelSignature): SignatureNames {
  let names = namesBySignature.get(signature);
  if (!names) {
    const defaultOutputs = Object.freeze(signature.outputs.map((spec) => spec.name));
    names = { inputs: signature.inputs.map((spec) => spec.name), defaultOutputs, outputs: new Set(defaultOutputs) };
    namesBySignature.set(signature, names);
  }
  return names;
}

/** The request's tensor named `name`; the last one when it is given twice. */
function inputNamed(inputs: readonly Tensor[], name: string): Tensor | undefined {
  for (let i = inputs.length - 1; i >= 0; i--) if (inputs[i]!.name === name) return inputs[i];
  return undefined;
}

/** The dims of each tensor from `fromAxis` on, as one key: `512|3x224` for two inputs. */
function shapeKeyOf(inputs: readonly Tensor[], fromAxis: number): string {
  let key = '';
  for (let t = 0; t < inputs.length; t++) {
    if (t > 0) key += '|';
    const shape = inputs[t]!.shape;
    for (let axis = fromAxis; axis < shape.length; axis++) key += axis > fromAxis ? `x${shape[axis]}` : String(shape[axis]);
  }
  return key;
}

// Per request: no maps, sets or name arrays are built unless the request is refused.
export function validateInputs(request: InferRequest, signature: ModelSignature, maxBatchSize: number): ValidatedInputs {
  const names = namesOf(signature);
  const expected = names.inputs;
  // Indexed loops: for-of allocated an iterator result per element on this path.
  for (let i = 0; i < request.inputs.length; i++) {
    const name = request.inputs[i]!.name;
    if (!expected.includes(name)) throw invalid(`unknown input '${name}'; the model takes ${expected.map((n) => `'${n}'`).join(', ')}`);
  }
  const inputs = signature.inputs.map((spec) => {
    const tensor = inputNamed(request.inputs, spec.name);
    if (!tensor) throw invalid(`missing input '${spec.name}' (${spec.datatype} ${formatShape(spec.shape)})`);
    if (tensor.datatype !== spec.datatype) {
      throw invalid(`input '${spec.name}': datatype ${tensor.datatype}, the model expects ${spec.datatype}`);
    }
    checkShape(tensor, spec);
    return tensor;
  });

  const outputNames = request.outputs ?? (names.defaultOutputs as string[]);
  for (let i = 0; i < outputNames.length; i++) {
    const name = outputNames[i]!;
    if (!names.outputs.has(name)) throw invalid(`unknown output '${name}'; the model gives ${[...names.outputs].map((n) => `'${n}'`).join(', ')}`);
  }

  if (maxBatchSize === 0) {
    return { inputs, rows: 1, shapeKey: shapeKeyOf(inputs, 0), outputNames };
  }
  const rows = inputs[0]!.shape[0]!;
  for (let i = 1; i < inputs.length; i++) {
    const tensor = inputs[i]!;
    if (tensor.shape[0] !== rows) {
      throw invalid(`inputs disagree on dim 0 (batch): '${inputs[0]!.name}' has ${rows}, '${tensor.name}' has ${tensor.shape[0]}`);
    }
  }
  if (rows < 1) throw invalid('dim 0 (batch) must be at least 1');
  if (rows > maxBatchSize) throw invalid(`batch of ${rows} rows exceeds the model's maxBatchSize ${maxBatchSize}`);
  return { inputs, rows, shapeKey: shapeKeyOf(inputs, 1), outputNames };
}
