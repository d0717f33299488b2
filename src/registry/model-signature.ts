/**
 * A model's inputs and outputs as OIP sees them: names, datatypes, shapes with -1 for
 * dynamic dims. Read from onnxruntime's own metadata, so any ONNX file can be served
 * without a config.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { WsinferError } from '../errors.js';
import { type Datatype, fromOrtType } from '../protocol/datatypes.js';

export interface TensorSpec {
  name: string;
  datatype: Datatype;
  /** -1 marks a dynamic dim. */
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

function specOf(meta: InferenceSession.ValueMetadata, role: string): TensorSpec {
  if (!meta.isTensor) {
    throw new WsinferError('ERR_MODEL_LOAD_FAILED', `${role} '${meta.name}' is not a tensor (sequences and maps are not served)`);
  }
  const datatype = fromOrtType(meta.type);
  if (!datatype) throw new WsinferError('ERR_MODEL_LOAD_FAILED', `${role} '${meta.name}' has type ${meta.type}, which OIP cannot carry`);
  const shape = meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1));
  return { name: meta.name, datatype, shape };
}

export function signatureOf(session: InferenceSession): ModelSignature {
  return {
    inputs: session.inputMetadata.map((m) => specOf(m, 'input')),
    outputs: session.outputMetadata.map((m) => specOf(m, 'output')),
  };
}

/** Batching is along dim 0 only, and only when every input and output has a dynamic dim 0. */
export function isBatchable(signature: ModelSignature): boolean {
  const all = [...signature.inputs, ...signature.outputs];
  return all.length > 0 && all.every((spec) => spec.shape.length >= 1 && spec.shape[0] === -1);
}

/** Dynamic dims other than dim 0 — zero means warm-up inputs can be built from the shape alone. */
export function hasDynamicInnerDims(signature: ModelSignature): boolean {
  return signature.inputs.some((spec) => spec.shape.slice(1).some((dim) => dim === -1));
}
