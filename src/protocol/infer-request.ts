/**
 * Typed inference requests, decoded from a WebSocket `infer` message or an OIP HTTP body.
 * Pure: no I/O, no knowledge of models — checking inputs against a model is registry/'s job.
 */
import { WsinferError } from '../errors.js';
import { type Tensor, decodeTensor } from './tensor.js';

export interface InferParameters {
  /** 1 is served first; absent → the model's default level. */
  priority?: number;
  /** 0 or absent → the model's defaultTimeoutUs. */
  timeoutUs?: number;
  /** Everything else the client sent, kept for routing (e.g. a sticky key). */
  extra: Record<string, unknown>;
}

export interface InferRequest {
  id: string;
  model: string;
  version?: string;
  inputs: Tensor[];
  /** Output names asked for; absent → all outputs. */
  outputs?: string[];
  parameters: InferParameters;
  /** The client sent tensor data as raw bytes: reply the same way. */
  binaryData: boolean;
}

/** Cap on ids so a client cannot make us echo megabytes back. */
const MAX_ID_LENGTH = 256;

function malformed(message: string): WsinferError {
  return new WsinferError('ERR_PROTO_MALFORMED', message);
}

function invalid(message: string): WsinferError {
  return new WsinferError('ERR_INPUT_INVALID', message);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw malformed(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

export function decodeId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.length > MAX_ID_LENGTH) {
    throw malformed(`id must be a string of at most ${MAX_ID_LENGTH} characters`);
  }
  return value;
}

function decodeParameters(raw: unknown): InferParameters {
  if (raw === undefined || raw === null) return { extra: {} };
  const { priority, timeout_us: timeoutUs, timeout, ...extra } = asRecord(raw, 'parameters');
  const out: InferParameters = { extra };
  if (priority !== undefined) {
    if (!Number.isInteger(priority) || (priority as number) < 0) throw invalid('parameters.priority must be a non-negative integer');
    // OIP and Triton treat priority 0 as "use the default level".
    if (priority !== 0) out.priority = priority as number;
  }
  // `timeout` is Triton's spelling (microseconds); accept both.
  const timeoutValue = timeoutUs ?? timeout;
  if (timeoutValue !== undefined) {
    if (typeof timeoutValue !== 'number' || !Number.isFinite(timeoutValue) || timeoutValue < 0) {
      throw invalid('parameters.timeout_us must be a non-negative number of microseconds');
    }
    if (timeoutValue > 0) out.timeoutUs = timeoutValue;
  }
  return out;
}

function decodeOutputNames(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw malformed('outputs must be an array of { name }');
  return raw.map((entry) => {
    const name = typeof entry === 'string' ? entry : (entry as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name.length === 0) throw malformed('each requested output needs a name');
    return name;
  });
}

function decodeInputs(raw: unknown): { inputs: Tensor[]; binaryData: boolean } {
  if (!Array.isArray(raw) || raw.length === 0) throw invalid('inputs must be a non-empty array');
  const inputs = raw.map((entry) => decodeTensor(entry));
  // Requests name a handful of inputs: a pairwise check builds nothing per request.
  for (let i = 1; i < inputs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (inputs[j]!.name === inputs[i]!.name) throw invalid(`input '${inputs[i]!.name}' is given twice`);
    }
  }
  const binaryData = raw.some((entry) => (entry as { data?: unknown }).data instanceof Uint8Array);
  return { inputs, binaryData };
}

function optionalVersion(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'string') throw malformed('version must be a string');
  return value;
}

/** The `infer` op of the WebSocket protocol (design.md §2). */
export function decodeWsInfer(message: Record<string, unknown>): InferRequest {
  const id = decodeId(message.id);
  if (id === undefined) throw malformed('infer needs an id');
  const model = message.model;
  if (typeof model !== 'string' || model.length === 0) throw malformed('infer needs a model name');
  const { inputs, binaryData } = decodeInputs(message.inputs);
  return {
    id,
    model,
    version: optionalVersion(message.version),
    inputs,
    outputs: decodeOutputNames(message.outputs),
    parameters: decodeParameters(message.parameters),
    binaryData,
  };
}

/** The body of `POST /v2/models/{m}[/versions/{v}]/infer`; model and version come from the path. */
export function decodeOipInfer(body: unknown, model: string, version: string | undefined, fallbackId: string): InferRequest {
  const object = asRecord(body, 'request body');
  const { inputs, binaryData } = decodeInputs(object.inputs);
  return {
    id: decodeId(object.id) ?? fallbackId,
    model,
    version,
    inputs,
    outputs: decodeOutputNames(object.outputs),
    parameters: decodeParameters(object.parameters),
    binaryData,
  };
}
