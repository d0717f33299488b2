/**
 * The Open Inference Protocol tensor object, decoded. One decoder serves WebSocket
 * (msgpack or JSON) and HTTP, so every path checks a tensor the same way.
 */
import { WsinferError } from '../errors.js';
import {
  type Datatype, type TensorData, bytesPerElement, elementCount, fromNumbers, isDatatype, viewBytes,
} from './datatypes.js';
import { UnalignedTensor } from './unaligned-tensor.js';

export interface Tensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** Upper bound on dims per tensor; ONNX itself allows more, no real model uses them. */
const MAX_RANK = 16;

function invalid(message: string): WsinferError {
  return new WsinferError('ERR_INPUT_INVALID', message);
}

function decodeShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length > MAX_RANK) {
    throw invalid(`input '${name}': shape must be an array of at most ${MAX_RANK} dims`);
  }
  // The decoder built this array for this request alone: checked and kept, not copied.
  const dims = shape as unknown[];
  for (let i = 0; i < dims.length; i++) {
    const n = typeof dims[i] === 'bigint' ? Number(dims[i]) : dims[i];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw invalid(`input '${name}': shape ${JSON.stringify(shape, bigintReplacer)} has a dim that is not a non-negative integer`);
    }
    dims[i] = n;
  }
  return dims as number[];
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

/** Flatten nested arrays (OIP JSON allows them) into one list, without recursion limits. */
function flatten(values: unknown[]): unknown[] {
  if (!values.some(Array.isArray)) return values;
  const out: unknown[] = [];
  const stack: Array<{ list: unknown[]; index: number }> = [{ list: values, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.list.length) {
      stack.pop();
      continue;
    }
    const value = top.list[top.index++];
    if (Array.isArray(value)) {
      if (stack.length > MAX_RANK) throw invalid('data is nested deeper than any tensor rank');
      stack.push({ list: value, index: 0 });
    } else {
      out.push(value);
    }
  }
  return out;
}

/** OIP binary BYTES layout: each element is a 4-byte little-endian length then its bytes. */
function decodeLengthPrefixedStrings(name: string, bytes: Uint8Array, count: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 4 > bytes.byteLength) throw invalid(`input '${name}': truncated BYTES element length`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) throw invalid(`input '${name}': truncated BYTES element`);
    out.push(decoder.decode(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  if (out.length !== count) {
    throw invalid(`input '${name}': shape holds ${count} elements but data holds ${out.length}`);
  }
  return out;
}

/** Inclusive ranges of the integer datatypes that JSON numbers can hold exactly. */
const INTEGER_RANGES: Partial<Record<Datatype, readonly [number, number]>> = {
  UINT8: [0, 0xff], UINT16: [0, 0xffff], UINT32: [0, 0xffffffff],
  INT8: [-0x80, 0x7f], INT16: [-0x8000, 0x7fff], INT32: [-0x80000000, 0x7fffffff],
};

const BIGINT_RANGES: Partial<Record<Datatype, readonly [bigint, bigint]>> = {
  INT64: [-(2n ** 63n), 2n ** 63n - 1n], UINT64: [0n, 2n ** 64n - 1n],
};

/** Values that do not fit are refused rather than silently wrapped. */
function isValidElement(value: unknown, datatype: Datatype): boolean {
  switch (datatype) {
    case 'BYTES': return typeof value === 'string';
    case 'BOOL': return typeof value === 'boolean' || value === 0 || value === 1;
    case 'FP16': case 'FP32': case 'FP64': return typeof value === 'number';
    case 'INT64': case 'UINT64': {
      if (typeof value !== 'bigint' && !Number.isInteger(value)) return false;
      const big = BigInt(value as number | bigint);
      const [min, max] = BIGINT_RANGES[datatype]!;
      return big >= min && big <= max;
    }
    default: {
      const [min, max] = INTEGER_RANGES[datatype]!;
      return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
    }
  }
}

/**
 * Decode one tensor object `{ name, datatype, shape, data }`. `data` may be raw
 * little-endian bytes (a msgpack bin), or a flat or nested array of values.
 */
export function decodeTensor(raw: unknown, role = 'input'): Tensor {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`each ${role} must be an object with name, datatype, shape and data`);
  }
  const object = raw as Record<string, unknown>;
  const name = object.name;
  if (typeof name !== 'string' || name.length === 0) throw invalid(`${role} name must be a non-empty string`);
  const datatype = object.datatype;
  if (!isDatatype(datatype)) {
    throw invalid(`${role} '${name}': unknown datatype ${JSON.stringify(datatype)}`);
  }
  const shape = decodeShape(name, object.shape);
  const count = elementCount(shape);
  const data = object.data;

  if (data instanceof Uint8Array) {
    if (datatype === 'BYTES') return { name, datatype, shape, data: decodeLengthPrefixedStrings(name, data, count) };
    const width = bytesPerElement(datatype);
    const expectedBytes = count * width;
    if (data.byteLength !== expectedBytes) {
      throw invalid(`${role} '${name}': shape [${shape.join(', ')}] of ${datatype} needs ${expectedBytes} bytes, data has ${data.byteLength}`);
    }
    // A view where the offset allows one; otherwise the bytes as they are, copied when read.
    if (data.byteOffset % width !== 0) return new UnalignedTensor(name, datatype, shape, data);
    return { name, datatype, shape, data: viewBytes(datatype, data) };
  }
  if (Array.isArray(data)) {
    const flat = flatten(data);
    if (flat.length !== count) {
      throw invalid(`${role} '${name}': shape [${shape.join(', ')}] holds ${count} elements, data has ${flat.length}`);
    }
    for (let i = 0; i < flat.length; i++) {
      if (!isValidElement(flat[i], datatype)) {
        throw invalid(`${role} '${name}': element ${i} (${String(flat[i])}) is not a valid ${datatype} value`);
      }
    }
    return { name, datatype, shape, data: fromNumbers(datatype, flat) };
  }
  throw invalid(`${role} '${name}': data must be raw bytes or an array of values`);
}
