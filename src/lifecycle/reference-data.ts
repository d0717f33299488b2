/**
 * A reference dataset (`wsinfer package --reference data.json`) read into one column of
 * values per input feature. Two layouts are accepted (docs/packaging.md):
 *
 *   { "<inputName>": [[row values...], ...] }        rows; the innermost arrays are features
 *   { "inputs": [ OIP tensor, ... ] } or [ OIP tensor, ... ]   e.g. logged requests
 *
 * The feature axis is the last dim; a tensor of rank ≤ 1 (or rows of single values) is one
 * feature. Tensors that share a name are appended, so a log of many requests is one dataset.
 */
import { WsinferError } from '../errors.js';
import { toNumbers } from '../protocol/datatypes.js';
import { decodeTensor } from '../protocol/tensor.js';
import type { ModelSignature } from '../registry/model-signature.js';

/** Input name → one array of observations per feature. */
export type ReferenceColumns = Map<string, number[][]>;

function invalid(message: string): WsinferError {
  return new WsinferError('ERR_INPUT_INVALID', `reference data: ${message}`);
}

function toValue(value: unknown, where: string): number {
  const n = typeof value === 'boolean' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw invalid(`${where} holds ${JSON.stringify(value)}, not a finite number`);
  return n;
}

function isTensorList(raw: unknown): raw is Record<string, unknown>[] {
  return Array.isArray(raw) && raw.length > 0 && raw.every((t) => t !== null && typeof t === 'object' && !Array.isArray(t));
}

function append(columns: ReferenceColumns, name: string, featureCount: number, values: ArrayLike<number>): void {
  let features = columns.get(name);
  if (!features) {
    features = Array.from({ length: featureCount }, () => []);
    columns.set(name, features);
  }
  if (features.length !== featureCount) throw invalid(`input '${name}' has ${featureCount} features in one place and ${features.length} in another`);
  for (let i = 0; i < values.length; i++) features[i % featureCount]!.push(values[i]!);
}

function readTensors(list: Record<string, unknown>[], columns: ReferenceColumns): void {
  for (const raw of list) {
    const tensor = decodeTensor(raw, 'reference input');
    if (tensor.datatype === 'BYTES') throw invalid(`input '${tensor.name}' is BYTES; only numeric inputs have statistics`);
    const values = toNumbers(tensor.datatype, tensor.data).map((v, i) => toValue(v, `input '${tensor.name}' element ${i}`));
    const featureCount = tensor.shape.length >= 2 ? tensor.shape[tensor.shape.length - 1]! : 1;
    if (featureCount === 0) throw invalid(`input '${tensor.name}' has a last dim of 0`);
    append(columns, tensor.name, featureCount, values);
  }
}

/** Flatten one row-format input: every innermost array is one observation of each feature. */
function readRows(name: string, rows: unknown): { featureCount: number; values: number[] } {
  if (!Array.isArray(rows) || rows.length === 0) throw invalid(`input '${name}' must be a non-empty array of rows`);
  const values: number[] = [];
  let featureCount: number | undefined;
  let leafDepth: number | undefined;
  const walk = (node: unknown, where: string, depth: number): void => {
    if (!Array.isArray(node)) {
      leafDepth ??= depth;
      if (depth !== leafDepth) throw invalid(`${where}: rows of input '${name}' are not all nested alike`);
      values.push(toValue(node, where));
      return;
    }
    if (node.length > 0 && !Array.isArray(node[0])) {
      featureCount ??= node.length;
      if (node.length !== featureCount) throw invalid(`${where} has ${node.length} values, earlier rows have ${featureCount}`);
    }
    node.forEach((child, i) => walk(child, `${where}[${i}]`, depth + 1));
  };
  rows.forEach((row, i) => walk(row, `input '${name}' row ${i}`, 0));
  return { featureCount: featureCount ?? 1, values };
}

export function readReferenceColumns(raw: unknown): ReferenceColumns {
  const columns: ReferenceColumns = new Map();
  const inputs = (raw as { inputs?: unknown } | null)?.inputs;
  if (isTensorList(raw)) readTensors(raw, columns);
  else if (isTensorList(inputs)) readTensors(inputs, columns);
  else if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [name, rows] of Object.entries(raw)) {
      const { featureCount, values } = readRows(name, rows);
      append(columns, name, featureCount, values);
    }
  } else {
    throw invalid('must be an object of input name → rows, or a list of OIP tensors');
  }
  if (columns.size === 0) throw invalid('holds no inputs');
  return columns;
}

/** Every named input exists, and its feature count fits the input's last dim when that is fixed. */
export function checkColumnsAgainst(columns: ReferenceColumns, signature: ModelSignature): void {
  const names = signature.inputs.map((s) => s.name);
  for (const [name, features] of columns) {
    const spec = signature.inputs.find((s) => s.name === name);
    if (!spec) throw invalid(`'${name}' is not an input of the model (inputs: ${names.join(', ')})`);
    if (spec.datatype === 'BYTES') throw invalid(`input '${name}' is BYTES; only numeric inputs have statistics`);
    const last = spec.shape.length >= 2 ? spec.shape[spec.shape.length - 1]! : 1;
    if (last !== -1 && last !== features.length) {
      throw invalid(`input '${name}' has ${features.length} features, the model's input has ${last} (shape [${spec.shape.join(', ')}])`);
    }
  }
}
