/**
 * Running sample tensors through an onnxruntime session in this thread. Only for
 * packaging and validation — one small input, once; serving runs in workers.
 */
import * as ort from 'onnxruntime-node';
import { WsinferError } from '../errors.js';
import { type TensorData, fromOrtType, toOrtType } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';

/** Every output of the session, in the model's output order. Failures → ERR_INFERENCE_FAILED. */
export async function runTensors(session: ort.InferenceSession, inputs: readonly Tensor[]): Promise<Tensor[]> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const t of inputs) feeds[t.name] = new ort.Tensor(toOrtType(t.datatype), t.data as ort.Tensor.DataType, t.shape);
  let results: ort.InferenceSession.OnnxValueMapType;
  try {
    results = await session.run(feeds);
  } catch (error) {
    throw new WsinferError('ERR_INFERENCE_FAILED', `the sample did not run: ${(error as Error).message}`);
  }
  return session.outputNames.map((name) => {
    const value = results[name] as ort.Tensor;
    const datatype = fromOrtType(value.type);
    if (!datatype) throw new WsinferError('ERR_INFERENCE_FAILED', `output '${name}' has type ${value.type}, which OIP cannot carry`);
    return { name, datatype, shape: value.dims.map(Number), data: value.data as TensorData };
  });
}
