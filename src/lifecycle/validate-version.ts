/**
 * Every check `wsinfer validate` runs on one version folder, each recorded as pass, fail
 * or skip so a CI log (or --json consumer) sees which one broke: the manifest reads and
 * sits where it says, model.onnx is the packaged file, it loads, its IO is the manifest's,
 * the sample reproduces, and config.json fits it.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { toErrorPayload } from '../errors.js';
import { type ModelSignature, signatureOf } from '../registry/model-signature.js';
import { openCheckSession } from './check-session.js';
import { configProblem } from './config-fit.js';
import { MODEL_FILE, type Manifest, readManifest } from './manifest.js';
import { checkSample } from './sample-check.js';
import { diffSignatures } from './signature-diff.js';
import type { Tolerance } from './tolerance.js';
import { MODEL_MISSING, NO_MANIFEST, artifactProblems, placementProblems } from './verify-version.js';

export const CHECK_NAMES = ['manifest', 'sha256', 'load', 'signature', 'sample', 'config'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type CheckOutcome = 'pass' | 'fail' | 'skip';

export interface VersionReport {
  model: string;
  version: string;
  /** no-manifest: loads and fits its config, but nothing pins what it computes. */
  status: 'ok' | 'fail' | 'no-manifest';
  problems: string[];
  checks: Record<CheckName, CheckOutcome>;
  /** Largest |actual − expected| over the sample's float outputs, when the sample ran. */
  maxAbsDiff?: number;
}

export interface VersionCheckOptions {
  /** A version without a manifest fails. */
  strict?: boolean;
  /** Overrides each manifest's own sample tolerance. */
  tolerance?: Tolerance;
}

class Recorder {
  readonly problems: string[] = [];
  readonly checks = Object.fromEntries(CHECK_NAMES.map((c) => [c, 'skip'])) as Record<CheckName, CheckOutcome>;

  record(check: CheckName, problems: readonly string[]): boolean {
    this.checks[check] = problems.length === 0 ? 'pass' : 'fail';
    // A missing model.onnx fails both sha256 and load: say it once.
    this.problems.push(...problems.filter((p) => !this.problems.includes(p)));
    return problems.length === 0;
  }
}

async function loadSession(modelPath: string, r: Recorder): Promise<{ session: InferenceSession; signature: ModelSignature } | undefined> {
  try {
    await stat(modelPath);
  } catch {
    r.record('load', [MODEL_MISSING]);
    return undefined;
  }
  let session: InferenceSession | undefined;
  try {
    session = await openCheckSession(modelPath);
    const signature = signatureOf(session);
    r.record('load', []);
    return { session, signature };
  } catch (error) {
    await session?.release();
    r.record('load', [toErrorPayload(error).message]);
    return undefined;
  }
}

export async function validateVersion(modelDir: string, name: string, version: string, options: VersionCheckOptions = {}): Promise<VersionReport> {
  const r = new Recorder();
  const versionDir = join(modelDir, version);
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(versionDir);
    if (manifest) r.record('manifest', placementProblems(manifest, modelDir, version));
    else if (options.strict) r.record('manifest', [NO_MANIFEST]);
  } catch (error) {
    r.record('manifest', [toErrorPayload(error).message]);
  }
  if (manifest) r.record('sha256', await artifactProblems(versionDir, manifest));

  let maxAbsDiff: number | undefined;
  const loaded = await loadSession(join(versionDir, MODEL_FILE), r);
  if (loaded) {
    try {
      if (manifest && r.record('signature', diffSignatures(manifest.signature, loaded.signature))) {
        const sample = await checkSample(loaded.session, manifest, options.tolerance);
        r.record('sample', sample.problems);
        maxAbsDiff = sample.maxAbsDiff;
      }
      const misfit = await configProblem(modelDir, name, loaded.signature);
      r.record('config', misfit ? [misfit] : []);
    } finally {
      await loaded.session.release();
    }
  }
  const status = r.problems.length > 0 ? 'fail' : manifest ? 'ok' : 'no-manifest';
  return { model: name, version, status, problems: r.problems, checks: r.checks, ...(maxAbsDiff === undefined ? {} : { maxAbsDiff }) };
}
