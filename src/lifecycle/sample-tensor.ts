/**
 * Tensors as manifest.json stores them: OIP JSON tensor objects with flat data. JSON has
 * no NaN or Infinity, which real outputs can hold (a log of 0), so those floats are
 * written as the strings "NaN", "Infinity", "-Infinity" and read back as numbers.
 */
import { type Datatype, toNumbers } from '../protocol/datatypes.js';
import { type Tensor, decodeTensor } from '../protocol/tensor.js';

export interface SampleTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: Array<number | boolean | string>;
}

const FLOATS: ReadonlySet<Datatype> = new Set(['FP16', 'FP32', 'FP64']);
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function encodeSampleTensor(tensor: Tensor): SampleTensor {
  let data = toNumbers(tensor.datatype, tensor.data);
  if (FLOATS.has(tensor.datatype)) data = data.map((v) => (Number.isFinite(v) ? v : String(v)));
  return { name: tensor.name, datatype: tensor.datatype, shape: [...tensor.shape], data };
}

/** `role` names the tensor in messages ("sample input", "sample output"). */
export function decodeSampleTensor(raw: unknown, role: string): Tensor {
  const object = raw as { datatype?: unknown; data?: unknown } | null;
  if (object && typeof object === 'object' && FLOATS.has(object.datatype as Datatype) && Array.isArray(object.data)) {
    const data = object.data.map((v: unknown) => (typeof v === 'string' && Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : v));
    return decodeTensor({ ...object, data }, role);
  }
  return decodeTensor(raw, role);
}
