/**
 * `<models>/<name>/<version>/manifest.json`, written by `wsinfer package` and checked by
 * `wsinfer validate` and the server: what the artifact is (digest, size, ONNX metadata),
 * what it takes and returns, and one sample input with the output it produced.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WsinferError } from '../errors.js';
import { isDatatype } from '../protocol/datatypes.js';
import type { ModelSignature, TensorSpec } from '../registry/model-signature.js';
import type { ReferenceStats } from './reference-stats.js';
import type { SampleTensor } from './sample-tensor.js';
import type { Tolerance } from './tolerance.js';

export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.onnx';
/** Bumped when a field changes meaning; readers refuse versions they do not know. */
export const MANIFEST_SCHEMA_VERSION = 1;

export interface Manifest {
  schemaVersion: number;
  name: string;
  version: string;
  /** Of model.onnx, lowercase hex. */
  sha256: string;
  sizeBytes: number;
  irVersion: number;
  /** Operator domain → opset version; ONNX's default domain is 'ai.onnx'. */
  opset: Record<string, number>;
  producer: { name: string; version: string };
  graphName: string;
  /** OIP datatypes; -1 marks a dynamic dim. */
  signature: ModelSignature;
  /** Run at packaging time on CPU; `tolerance` is how far a later run may differ. */
  sample: { inputs: SampleTensor[]; outputs: SampleTensor[]; tolerance: Tolerance };
  /** ISO 8601. */
  createdAt: string;
  reference?: ReferenceStats;
}

export function manifestPath(versionDir: string): string {
  return join(versionDir, MANIFEST_FILE);
}

/**
 * Pretty JSON, except that arrays of plain values stay on one line: a shape reads
 * `[-1, 30]`, and a 784-value sample is one line, not 784.
 */
export function formatManifestJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    const inner = `${indent}  `;
    return `[\n${value.map((v) => `${inner}${formatManifestJson(v, inner)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatManifestJson(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

export async function writeManifest(versionDir: string, manifest: Manifest): Promise<string> {
  const path = manifestPath(versionDir);
  await writeFile(path, `${formatManifestJson(manifest)}\n`);
  return path;
}

class ManifestShapeError extends Error {}

function need(ok: boolean, field: string, what: string): void {
  if (!ok) throw new ManifestShapeError(`${field} must be ${what}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

function checkSpecs(field: string, value: unknown): void {
  need(Array.isArray(value), field, 'an array');
  (value as unknown[]).forEach((spec, i) => {
    const s = spec as Partial<TensorSpec>;
    need(isObject(spec) && typeof s.name === 'string', `${field}[${i}].name`, 'a string');
    need(isDatatype(s.datatype), `${field}[${i}].datatype`, 'an OIP datatype');
    need(Array.isArray(s.shape) && s.shape.every((d) => Number.isSafeInteger(d) && d >= -1), `${field}[${i}].shape`, 'an array of dims (-1 = dynamic)');
  });
}

/** Field types only; whether the values are true of the model is validate's job. */
export function checkManifestShape(raw: unknown): Manifest {
  need(isObject(raw), 'the manifest', 'a JSON object');
  const m = raw as Record<string, unknown>;
  need(m.schemaVersion === MANIFEST_SCHEMA_VERSION, 'schemaVersion', `${MANIFEST_SCHEMA_VERSION} (this wsinfer reads no other)`);
  need(typeof m.name === 'string', 'name', 'a string');
  need(typeof m.version === 'string', 'version', 'a string');
  need(typeof m.sha256 === 'string' && /^[0-9a-f]{64}$/.test(m.sha256), 'sha256', '64 lowercase hex digits');
  need(isCount(m.sizeBytes), 'sizeBytes', 'a non-negative integer');
  need(isCount(m.irVersion), 'irVersion', 'a non-negative integer');
  need(isObject(m.opset) && Object.values(m.opset).every(isCount), 'opset', 'an object of domain → version');
  need(isObject(m.producer) && typeof m.producer.name === 'string' && typeof m.producer.version === 'string', 'producer', '{ name, version } strings');
  need(typeof m.graphName === 'string', 'graphName', 'a string');
  need(isObject(m.signature), 'signature', 'an object');
  const signature = m.signature as Record<string, unknown>;
  checkSpecs('signature.inputs', signature.inputs);
  checkSpecs('signature.outputs', signature.outputs);
  need(isObject(m.sample), 'sample', 'an object');
  const sample = m.sample as Record<string, unknown>;
  need(Array.isArray(sample.inputs), 'sample.inputs', 'an array of OIP tensors');
  need(Array.isArray(sample.outputs), 'sample.outputs', 'an array of OIP tensors');
  const tolerance = sample.tolerance as Record<string, unknown> | undefined;
  need(isObject(tolerance) && typeof tolerance.rtol === 'number' && tolerance.rtol >= 0 && typeof tolerance.atol === 'number' && tolerance.atol >= 0,
    'sample.tolerance', '{ rtol, atol } non-negative numbers');
  need(typeof m.createdAt === 'string' && !Number.isNaN(Date.parse(m.createdAt)), 'createdAt', 'an ISO 8601 time');
  need(m.reference === undefined || (isObject(m.reference) && isObject(m.reference.inputs)), 'reference', 'absent or { inputs: { … } }');
  return raw as Manifest;
}

/** The manifest of a version folder; undefined when it has none. Unreadable → ERR_CONFIG_INVALID. */
export async function readManifest(versionDir: string): Promise<Manifest | undefined> {
  const path = manifestPath(versionDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WsinferError('ERR_CONFIG_INVALID', `${MANIFEST_FILE} cannot be read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new WsinferError('ERR_CONFIG_INVALID', `${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return checkManifestShape(raw);
  } catch (error) {
    if (error instanceof ManifestShapeError) throw new WsinferError('ERR_CONFIG_INVALID', `${MANIFEST_FILE}: ${error.message}`);
    throw error;
  }
}
