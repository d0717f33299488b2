/** Which OIP datatype a typed array carries, for inputs passed without one. */
import type { Datatype, NumericArray } from '../protocol/datatypes.js';

export function datatypeOfArray(array: NumericArray): Datatype {
  if (array instanceof Float32Array) return 'FP32';
  if (array instanceof Float64Array) return 'FP64';
  if (array instanceof Int32Array) return 'INT32';
  if (array instanceof BigInt64Array) return 'INT64';
  if (array instanceof Uint8Array) return 'UINT8';
  if (array instanceof Int8Array) return 'INT8';
  if (array instanceof Int16Array) return 'INT16';
  if (array instanceof Uint16Array) return 'UINT16';
  if (array instanceof Uint32Array) return 'UINT32';
  if (array instanceof BigUint64Array) return 'UINT64';
  throw new TypeError('unsupported typed array; pass { datatype, shape, data } instead');
}
