/**
 * Open Inference Protocol datatypes and how each maps to onnxruntime's tensor type and to
 * the typed array that holds its elements. One table, so the decoder, the workers and the
 * client agree on bytes.
 */
import { fromHalfBits, toHalfBits } from './float16.js';

export type Datatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64'
  | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

export type OrtType =
  | 'bool' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'float16' | 'float32' | 'float64' | 'string';

export type NumericArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

/** Element storage of one tensor: a typed array, or strings for BYTES. */
export type TensorData = NumericArray | string[];

interface TypedArrayClass {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): NumericArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
}

interface DatatypeInfo {
  readonly ort: OrtType;
  /** 0 for BYTES (variable length). */
  readonly bytesPerElement: number;
  readonly arrayClass?: TypedArrayClass;
  /** Elements are bigint (INT64/UINT64). */
  readonly bigint: boolean;
}

const INFO: Record<Datatype, DatatypeInfo> = {
  // onnxruntime holds bool tensors as one byte per element.
  BOOL: { ort: 'bool', bytesPerElement: 1, arrayClass: Uint8Array, bigint: false },
  UINT8: { ort: 'uint8', bytesPerElement: 1, arrayClass: Uint8Array, bigint: false },
  UINT16: { ort: 'uint16', bytesPerElement: 2, arrayClass: Uint16Array, bigint: false },
  UINT32: { ort: 'uint32', bytesPerElement: 4, arrayClass: Uint32Array, bigint: false },
  UINT64: { ort: 'uint64', bytesPerElement: 8, arrayClass: BigUint64Array, bigint: true },
  INT8: { ort: 'int8', bytesPerElement: 1, arrayClass: Int8Array, bigint: false },
  INT16: { ort: 'int16', bytesPerElement: 2, arrayClass: Int16Array, bigint: false },
  INT32: { ort: 'int32', bytesPerElement: 4, arrayClass: Int32Array, bigint: false },
  INT64: { ort: 'int64', bytesPerElement: 8, arrayClass: BigInt64Array, bigint: true },
  // Node 20 has no Float16Array: FP16 travels as its raw 16-bit patterns.
  FP16: { ort: 'float16', bytesPerElement: 2, arrayClass: Uint16Array, bigint: false },
  FP32: { ort: 'float32', bytesPerElement: 4, arrayClass: Float32Array, bigint: false },
  FP64: { ort: 'float64', bytesPerElement: 8, arrayClass: Float64Array, bigint: false },
  BYTES: { ort: 'string', bytesPerElement: 0, bigint: false },
};

const BY_ORT = new Map<string, Datatype>(
  (Object.keys(INFO) as Datatype[]).map((d) => [INFO[d].ort, d]),
);

export const DATATYPES: readonly Datatype[] = Object.freeze(Object.keys(INFO) as Datatype[]);

export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.hasOwn(INFO, value);
}

export function toOrtType(datatype: Datatype): OrtType {
  return INFO[datatype].ort;
}

/** onnxruntime's type name → OIP datatype; undefined for types OIP cannot carry. */
export function fromOrtType(ortType: string): Datatype | undefined {
  return BY_ORT.get(ortType);
}

export function bytesPerElement(datatype: Datatype): number {
  return INFO[datatype].bytesPerElement;
}

export function isBigIntDatatype(datatype: Datatype): boolean {
  return INFO[datatype].bigint;
}

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** A zeroed element store for `length` elements. */
export function allocate(datatype: Datatype, length: number): TensorData {
  const cls = INFO[datatype].arrayClass;
  return cls ? new cls(length) : new Array<string>(length).fill('');
}

/**
 * View (not copy) little-endian bytes as the datatype's typed array. Copies only when the
 * bytes are not aligned for the element size — msgpackr hands out unaligned Buffers.
 */
export function viewBytes(datatype: Datatype, bytes: Uint8Array): NumericArray {
  const info = INFO[datatype];
  if (!info.arrayClass) throw new TypeError('BYTES tensors have no fixed-width view');
  const size = info.bytesPerElement;
  const length = bytes.byteLength / size;
  if (bytes.byteOffset % size === 0) {
    return new info.arrayClass(bytes.buffer, bytes.byteOffset, length);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new info.arrayClass(copy.buffer, 0, length);
}

/** The raw little-endian bytes of a numeric tensor (a view, no copy). */
export function bytesOf(data: NumericArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Fill a typed array from plain values (bigint-able for 64-bit ints; FP16 from real
 * values, stored as half-precision bit patterns).
 */
export function fromNumbers(datatype: Datatype, values: ArrayLike<unknown>): TensorData {
  const out = allocate(datatype, values.length);
  if (datatype === 'BYTES') {
    const strings = out as string[];
    for (let i = 0; i < values.length; i++) strings[i] = String(values[i]);
    return strings;
  }
  if (INFO[datatype].bigint) {
    const big = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < values.length; i++) big[i] = BigInt(values[i] as number | bigint);
    return big;
  }
  const numeric = out as Exclude<NumericArray, BigInt64Array | BigUint64Array>;
  if (datatype === 'BOOL') {
    for (let i = 0; i < values.length; i++) numeric[i] = values[i] ? 1 : 0;
  } else if (datatype === 'FP16') {
    for (let i = 0; i < values.length; i++) numeric[i] = toHalfBits(Number(values[i]));
  } else {
    for (let i = 0; i < values.length; i++) numeric[i] = Number(values[i]);
  }
  return numeric;
}

/**
 * Plain JSON-able values (FP16 as real values); int64 beyond 2^53 loses precision, as in
 * every OIP JSON server.
 */
export function toNumbers(datatype: Datatype, data: TensorData): Array<number | boolean | string> {
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (v) => v !== 0);
  if (datatype === 'FP16') return Array.from(data as Uint16Array, fromHalfBits);
  if (Array.isArray(data)) return data.slice();
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Array.from(data, Number);
  return Array.from(data as ArrayLike<number>);
}
