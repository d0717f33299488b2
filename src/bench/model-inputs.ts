/**
 * What the benchmark sends: input shapes from the model's metadata (GET /v2/models/{m}),
 * with `--shape` for dynamic dims and `--batch` rows per request, filled with seeded
 * random values — or the values of a JSON file.
 */
import { type Datatype, allocate, elementCount, fromNumbers, isDatatype } from '../protocol/datatypes.js';
import { toHalfBits } from '../protocol/float16.js';
import type { BenchTensor, InputSet } from './bench-types.js';
import { seededRandom } from './seeded-random.js';

export interface TensorSpecLike {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelMetadata {
  name: string;
  inputs: TensorSpecLike[];
  outputs: TensorSpecLike[];
  /** Absent from servers that do not say; then dim 0 = -1 is taken to mean "batches". */
  max_batch_size?: number;
}

export class BenchInputError extends Error {}

/** http(s)://host:port of a ws(s):// or http(s):// URL. */
export function httpOrigin(url: string): string {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'wss:' ? 'https:' : parsed.protocol === 'ws:' ? 'http:' : parsed.protocol;
  return `${protocol}//${parsed.host}`;
}

/**
 * Why a request to the server got no answer, in the words a user acts on: fetch itself
 * says only "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
 */
function unreachable(origin: string, timeoutMs: number, error: unknown): Error {
  if ((error as Error).name === 'TimeoutError') return new Error(`no answer from ${origin} within ${timeoutMs} ms`);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new Error(`cannot reach ${origin} (${reason}): is a wsinfer server listening there?`);
}

export async function fetchModelMetadata(url: string, model: string, version?: string, timeoutMs = 10_000): Promise<ModelMetadata> {
  const path = `/v2/models/${encodeURIComponent(model)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
  const origin = httpOrigin(url);
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    throw unreachable(origin, timeoutMs, error);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new BenchInputError(`GET ${path}: ${response.status}, and the answer is not JSON: is ${origin} an Open Inference Protocol server?`);
  }
  if (!response.ok) throw new BenchInputError(`GET ${path}: ${response.status} ${String(body.error ?? '')}`.trim());
  const inputs = body.inputs as TensorSpecLike[] | undefined;
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BenchInputError(`GET ${path}: the model lists no inputs (state ${String(body.state)})`);
  for (const spec of inputs) {
    if (!isDatatype(spec.datatype)) throw new BenchInputError(`input '${spec.name}': unknown datatype ${String(spec.datatype)}`);
  }
  return body as unknown as ModelMetadata;
}

export function modelBatches(meta: ModelMetadata): boolean {
  if (meta.max_batch_size !== undefined) return meta.max_batch_size > 0;
  return meta.inputs.every((spec) => spec.shape[0] === -1);
}

/**
 * The shape each input is sent with. A `--shape` of the model's full rank is used as is;
 * one dim shorter, for a batching model, gets `batch` prepended.
 */
export function resolveInputShapes(meta: ModelMetadata, batch: number, overrides: ReadonlyMap<string, number[]>): TensorSpecLike[] {
  const batches = modelBatches(meta);
  if (!batches && batch !== 1) throw new BenchInputError(`model '${meta.name}' does not batch: --batch must be 1`);
  // Every request would be refused (ERR_INPUT_INVALID): say so before any load.
  const maxBatch = meta.max_batch_size;
  if (batches && maxBatch !== undefined && maxBatch > 0 && batch > maxBatch) {
    throw new BenchInputError(`model '${meta.name}' takes at most ${maxBatch} rows per request (max_batch_size): --batch ${batch} is more`);
  }
  for (const name of overrides.keys()) {
    if (!meta.inputs.some((spec) => spec.name === name)) throw new BenchInputError(`--shape names '${name}', the model's inputs are ${meta.inputs.map((s) => s.name).join(', ')}`);
  }
  return meta.inputs.map((spec) => {
    const override = overrides.get(spec.name);
    let shape: number[];
    if (override && override.length === spec.shape.length) shape = override;
    else if (override && batches && override.length === spec.shape.length - 1) shape = [batch, ...override];
    else if (override) throw new BenchInputError(`--shape ${spec.name}: rank ${override.length}, the model's input has rank ${spec.shape.length}`);
    else shape = spec.shape.map((dim, axis) => (axis === 0 && batches ? batch : dim));
    const dynamic = shape.findIndex((dim) => dim < 0);
    if (dynamic >= 0) throw new BenchInputError(`input '${spec.name}' has a dynamic dim ${dynamic} [${spec.shape.join(', ')}]: give it with --shape ${spec.name}:${spec.shape.map((d) => (d < 0 ? 'N' : d)).join(',')}`);
    return { name: spec.name, datatype: spec.datatype, shape };
  });
}

function randomTensor(spec: TensorSpecLike, random: () => number): BenchTensor {
  const count = elementCount(spec.shape);
  const data = allocate(spec.datatype, count);
  for (let i = 0; i < count; i++) {
    const u = random();
    switch (spec.datatype) {
      case 'FP32': case 'FP64': (data as Float32Array)[i] = u * 2 - 1; break;
      case 'FP16': (data as Uint16Array)[i] = toHalfBits(u * 2 - 1); break;
      case 'BOOL': (data as Uint8Array)[i] = u < 0.5 ? 0 : 1; break;
      case 'INT64': (data as BigInt64Array)[i] = BigInt(Math.floor(u * 100) - 50); break;
      case 'UINT64': (data as BigUint64Array)[i] = BigInt(Math.floor(u * 100)); break;
      case 'BYTES': (data as string[])[i] = `s${Math.floor(u * 1e6)}`; break;
      case 'INT8': case 'INT16': case 'INT32': (data as Int32Array)[i] = Math.floor(u * 100) - 50; break;
      default: (data as Uint32Array)[i] = Math.floor(u * 100);
    }
  }
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape, data };
}

function rowsOf(tensors: BenchTensor[], batches: boolean): number {
  return batches ? (tensors[0]?.shape[0] ?? 1) : 1;
}

/** `count` distinct random input sets; the run cycles through them. */
export function randomInputSets(specs: TensorSpecLike[], count: number, batches: boolean, seed = 1): InputSet[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const tensors = specs.map((spec) => randomTensor(spec, random));
    return { tensors, rows: rowsOf(tensors, batches) };
  });
}

/**
 * Input sets from a JSON file, perf_analyzer's layout: `{ "data": [ { "<input>": [values]
 * | { "content": [values], "shape": [dims] } }, … ] }` (or the array alone). Values may
 * be nested; an entry without a shape takes the resolved one.
 */
export function inputSetsFromJson(json: unknown, specs: TensorSpecLike[], batches: boolean): InputSet[] {
  const entries = Array.isArray(json) ? json : (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(entries) || entries.length === 0) throw new BenchInputError('input data: expected { "data": [ { input: values }, … ] } with at least one entry');
  return entries.map((entry, index) => {
    if (entry === null || typeof entry !== 'object') throw new BenchInputError(`input data entry ${index} is not an object`);
    const tensors = specs.map((spec): BenchTensor => {
      const raw = (entry as Record<string, unknown>)[spec.name];
      if (raw === undefined) throw new BenchInputError(`input data entry ${index} has no '${spec.name}'`);
      const withShape = !Array.isArray(raw) && raw !== null && typeof raw === 'object';
      const values = (withShape ? (raw as { content?: unknown }).content : raw) as unknown[];
      const shape = withShape && Array.isArray((raw as { shape?: unknown }).shape) ? (raw as { shape: number[] }).shape : spec.shape;
      if (!Array.isArray(values)) throw new BenchInputError(`input data entry ${index}, '${spec.name}': values must be an array`);
      const flat = values.flat(Infinity);
      if (flat.length !== elementCount(shape)) {
        throw new BenchInputError(`input data entry ${index}, '${spec.name}': ${flat.length} values for shape [${shape.join(', ')}]`);
      }
      return { name: spec.name, datatype: spec.datatype, shape, data: fromNumbers(spec.datatype, flat) };
    });
    return { tensors, rows: rowsOf(tensors, batches) };
  });
}

/** `name:d0,d1,…` → [name, dims]. */
export function parseShapeOption(text: string): [string, number[]] {
  const colon = text.lastIndexOf(':');
  const name = text.slice(0, colon);
  const dims = text.slice(colon + 1).split(',').map(Number);
  if (colon <= 0 || dims.length === 0 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new BenchInputError(`--shape ${text}: expected name:d0,d1,… with non-negative integers`);
  }
  return [name, dims];
}
