/**
 * `wsinfer package`: an ONNX file becomes `<models>/<name>/<version>/` with model.onnx and
 * manifest.json. Everything is built in a hidden staging folder beside the versions and
 * renamed into place at the end, so a version appears whole or not at all — a server
 * polling the repository never sees a model without its manifest.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { WsinferError } from '../errors.js';
import type { Tensor } from '../protocol/tensor.js';
import { signatureOf } from '../registry/model-signature.js';
import { openCheckSession } from './check-session.js';
import { configProblem } from './config-fit.js';
import { digestFile } from './file-digest.js';
import { readJsonFile } from './json-file.js';
import { MANIFEST_SCHEMA_VERSION, MODEL_FILE, type Manifest, manifestPath, writeManifest } from './manifest.js';
import { type OnnxModelInfo, readOnnxModelInfo } from './onnx-model-info.js';
import { computeReferenceStats } from './reference-stats.js';
import { generateSampleInputs, readSampleInputs } from './sample-inputs.js';
import { runTensors } from './sample-run.js';
import { encodeSampleTensor } from './sample-tensor.js';
import { DEFAULT_TOLERANCE, type Tolerance } from './tolerance.js';
import { checkModelName, checkVersion, nextVersion } from './version-folders.js';

export interface PackageOptions {
  /** The ONNX file to package. */
  modelPath: string;
  name: string;
  /** Repository root; created when missing. */
  modelsDir: string;
  /** Absent → one above the highest existing version, or 1. */
  version?: string;
  /** JSON file with the sample input (OIP tensors); absent → generated from the signature. */
  samplePath?: string;
  /** JSON file with reference data for per-feature statistics. */
  referencePath?: string;
  /** Stored in the manifest; later checks of the sample allow this much difference. */
  tolerance?: Tolerance;
  /** createdAt; tests pin it. */
  now?: Date;
}

export interface PackageResult {
  manifest: Manifest;
  versionDir: string;
  modelPath: string;
  manifestPath: string;
  sampleSource: 'file' | 'generated';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function alreadyExists(name: string, version: string, versionDir: string, next: string): WsinferError {
  return new WsinferError('ERR_CONFIG_INVALID',
    `${name} version ${version} already exists at ${versionDir}; versions are never overwritten — choose another version, or leave it out to get the next (${next})`);
}

async function runSample(session: InferenceSession, inputs: Tensor[], generated: boolean): Promise<Tensor[]> {
  try {
    return await runTensors(session, inputs);
  } catch (error) {
    if (!generated || !(error instanceof WsinferError)) throw error;
    // Generated inputs set every dynamic dim to 1, which some models reject.
    throw new WsinferError(error.code, `${error.message} — the generated sample sets dynamic dims to 1; give a sample input that fits the model`);
  }
}

async function buildManifest(
  stagedModel: string, info: OnnxModelInfo, options: PackageOptions, version: string,
): Promise<{ manifest: Manifest; sampleSource: PackageResult['sampleSource'] }> {
  const digest = await digestFile(stagedModel);
  const session = await openCheckSession(stagedModel);
  try {
    const signature = signatureOf(session);
    const modelDir = join(options.modelsDir, options.name);
    const misfit = await configProblem(modelDir, options.name, signature);
    if (misfit) throw new WsinferError('ERR_CONFIG_INVALID', `${misfit} — fix ${join(modelDir, 'config.json')} before packaging this model`);
    const generated = options.samplePath === undefined;
    const inputs = generated ? generateSampleInputs(signature) : readSampleInputs(await readJsonFile(options.samplePath!, 'sample file'), signature);
    const outputs = await runSample(session, inputs, generated);
    const manifest: Manifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      name: options.name,
      version,
      sha256: digest.sha256,
      sizeBytes: digest.sizeBytes,
      irVersion: info.irVersion,
      opset: info.opset,
      producer: { name: info.producerName, version: info.producerVersion },
      graphName: info.graphName,
      signature,
      sample: { inputs: inputs.map(encodeSampleTensor), outputs: outputs.map(encodeSampleTensor), tolerance: { ...(options.tolerance ?? DEFAULT_TOLERANCE) } },
      createdAt: (options.now ?? new Date()).toISOString(),
    };
    if (options.referencePath !== undefined) {
      manifest.reference = computeReferenceStats(await readJsonFile(options.referencePath, 'reference data file'), signature);
    }
    return { manifest, sampleSource: generated ? 'generated' : 'file' };
  } finally {
    await session.release();
  }
}

export async function packageModel(options: PackageOptions): Promise<PackageResult> {
  checkModelName(options.name);
  if (options.version !== undefined) checkVersion(options.version);
  // Read before anything is written: a file that is not ONNX fails here, naming the user's path.
  const info = await readOnnxModelInfo(options.modelPath);
  const modelDir = join(options.modelsDir, options.name);
  const newModel = !(await exists(modelDir));
  await mkdir(modelDir, { recursive: true });
  const version = options.version ?? (await nextVersion(modelDir));
  const versionDir = join(modelDir, version);
  if (await exists(versionDir)) throw alreadyExists(options.name, version, versionDir, await nextVersion(modelDir));

  // A leading dot keeps the staging folder out of scanRepository and version listings.
  // Not mkdtemp: its 0700 mode would survive the rename and hide the version from a
  // server running as another user.
  const staging = join(modelDir, `.package-${randomUUID()}`);
  await mkdir(staging);
  try {
    const stagedModel = join(staging, MODEL_FILE);
    // Everything below reads the copy, so the digest is of the bytes that will be served.
    await copyFile(options.modelPath, stagedModel);
    const { manifest, sampleSource } = await buildManifest(stagedModel, info, options, version);
    await writeManifest(staging, manifest);
    // Another package may have claimed this version meanwhile; rename would replace an
    // empty folder silently, so look once more right before.
    if (await exists(versionDir)) throw alreadyExists(options.name, version, versionDir, await nextVersion(modelDir));
    await rename(staging, versionDir);
    return {
      manifest,
      versionDir,
      modelPath: join(versionDir, MODEL_FILE),
      manifestPath: manifestPath(versionDir),
      sampleSource,
    };
  } catch (error) {
    // A first package that failed leaves no empty model folder behind (rmdir refuses
    // if anything else arrived meanwhile).
    if (newModel) await rm(staging, { recursive: true, force: true }).then(() => rmdir(modelDir)).catch(() => {});
    throw error;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
