/**
 * Results and errors in their wire forms. WebSocket replies mirror the request: raw bytes
 * for clients that sent raw bytes, value arrays otherwise; HTTP answers OIP JSON.
 */
import type { ErrorPayload } from '../errors.js';
import { type NumericArray, bytesOf, toNumbers } from './datatypes.js';
import type { Tensor } from './tensor.js';

export interface InferTiming {
  /** Time between admission and the batch's dispatch to a worker. */
  queueUs: number;
  /** Time the worker spent in onnxruntime for the whole batch. */
  computeUs: number;
  /** Rows in the batch this request ran in. */
  batchSize: number;
}

export interface InferResult {
  id: string;
  model: string;
  version: string;
  outputs: Tensor[];
  timing: InferTiming;
}

export interface WireTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: Uint8Array | Array<number | boolean | string>;
}

function wireTensor(tensor: Tensor, binaryData: boolean): WireTensor {
  const { name, datatype, shape, data } = tensor;
  if (binaryData && !Array.isArray(data)) {
    return { name, datatype, shape, data: bytesOf(data as NumericArray) };
  }
  return { name, datatype, shape, data: toNumbers(datatype, data) };
}

export function encodeWsResult(result: InferResult, binaryData: boolean): Record<string, unknown> {
  return {
    op: 'result',
    id: result.id,
    model_name: result.model,
    model_version: result.version,
    outputs: result.outputs.map((t) => wireTensor(t, binaryData)),
    timing: {
      queue_us: result.timing.queueUs,
      compute_us: result.timing.computeUs,
      batch_size: result.timing.batchSize,
    },
  };
}

export function encodeWsError(id: string | null, error: ErrorPayload): Record<string, unknown> {
  return { op: 'error', id, code: error.code, message: error.message, retryable: error.retryable };
}

/** OIP response body; timing goes in `parameters`, which OIP leaves to the server. */
export function encodeOipResult(result: InferResult): Record<string, unknown> {
  return {
    model_name: result.model,
    model_version: result.version,
    id: result.id,
    parameters: {
      queue_us: result.timing.queueUs,
      compute_us: result.timing.computeUs,
      batch_size: result.timing.batchSize,
    },
    outputs: result.outputs.map((t) => wireTensor(t, false)),
  };
}

/** OIP error body: `error` is the protocol's field; code and retryable are ours. */
export function encodeOipError(error: ErrorPayload): Record<string, unknown> {
  return { error: error.message, code: error.code, retryable: error.retryable };
}
