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

export function validateInputs(request: InferRequest, signature: ModelSignature, maxBatchSize: number): ValidatedInputs {
  const byName = new Map(request.inputs.map((t) => [t.name, t]));
  const expected = signature.inputs.map((spec) => spec.name);
  for (const name of byName.keys()) {
    if (!expected.includes(name)) throw invalid(`unknown input '${name}'; the model takes ${expected.map((n) => `'${n}'`).join(', ')}`);
  }
  const inputs = signature.inputs.map((spec) => {
    const tensor = byName.get(spec.name);
    if (!tensor) throw invalid(`missing input '${spec.name}' (${spec.datatype} ${formatShape(spec.shape)})`);
    if (tensor.datatype !== spec.datatype) {
      throw invalid(`input '${spec.name}': datatype ${tensor.datatype}, the model expects ${spec.datatype}`);
    }
    checkShape(tensor, spec);
    return tensor;
  });

  const outputNames = request.outputs ?? signature.outputs.map((spec) => spec.name);
  const outputSet = new Set(signature.outputs.map((spec) => spec.name));
  for (const name of outputNames) {
    if (!outputSet.has(name)) throw invalid(`unknown output '${name}'; the model gives ${[...outputSet].map((n) => `'${n}'`).join(', ')}`);
  }

  if (maxBatchSize === 0) {
    return { inputs, rows: 1, shapeKey: inputs.map((t) => t.shape.join('x')).join('|'), outputNames };
  }
  const rows = inputs[0]!.shape[0]!;
  for (const tensor of inputs) {
    if (tensor.shape[0] !== rows) {
      throw invalid(`inputs disagree on dim 0 (batch): '${inputs[0]!.name}' has ${rows}, '${tensor.name}' has ${tensor.shape[0]}`);
    }
  }
  if (rows < 1) throw invalid('dim 0 (batch) must be at least 1');
  if (rows > maxBatchSize) throw invalid(`batch of ${rows} rows exceeds the model's maxBatchSize ${maxBatchSize}`);
  return { inputs, rows, shapeKey: inputs.map((t) => t.shape.slice(1).join('x')).join('|'), outputNames };
}
