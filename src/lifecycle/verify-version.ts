/**
 * The cheap half of checking a packaged version, with no onnxruntime session: its
 * manifest reads, names this model and version, and model.onnx has the manifest's size
 * and sha256. The server runs this before loading a version and keeps the previous one
 * serving when it fails.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { toErrorPayload } from '../errors.js';
import { MODEL_FILE, type Manifest, readManifest } from './manifest.js';
import { digestFile } from './file-digest.js';

export interface VerifyOptions {
  /** A version without manifest.json fails instead of passing with nothing checked. */
  requireManifest?: boolean;
}

export interface VersionVerification {
  ok: boolean;
  /** Why not, one sentence each; empty when ok. */
  problems: string[];
  /** Absent when the version has no manifest or it could not be read. */
  manifest?: Manifest;
}

export const MODEL_MISSING = `${MODEL_FILE} is missing`;
export const NO_MANIFEST = 'no manifest.json (package it with `wsinfer package`)';

/** Enough hex to tell two digests apart in a message. */
function short(sha256: string): string {
  return `${sha256.slice(0, 12)}…`;
}

/** A manifest copied into another model's or version's folder describes something else. */
export function placementProblems(manifest: Manifest, modelDir: string, version: string): string[] {
  const name = basename(resolve(modelDir));
  if (manifest.name === name && manifest.version === version) return [];
  return [`manifest.json describes ${manifest.name} version ${manifest.version}, but sits in ${name}/${version}`];
}

/** model.onnx in `versionDir` has the manifest's size and sha256 (hashed only when sizes agree). */
export async function artifactProblems(versionDir: string, manifest: Manifest): Promise<string[]> {
  const modelPath = join(versionDir, MODEL_FILE);
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(modelPath)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [MODEL_MISSING];
    return [`${MODEL_FILE} cannot be read: ${(error as Error).message}`];
  }
  // Different sizes cannot share a digest: no need to read the file.
  if (sizeBytes !== manifest.sizeBytes) return [`${MODEL_FILE} is ${sizeBytes} bytes, the manifest says ${manifest.sizeBytes}`];
  const digest = await digestFile(modelPath);
  if (digest.sha256 === manifest.sha256) return [];
  return [`${MODEL_FILE} has sha256 ${short(digest.sha256)}, the manifest says ${short(manifest.sha256)} (the file changed after packaging)`];
}

/** `modelDir` is `<models>/<name>`; `version` the folder name inside it. */
export async function verifyVersion(modelDir: string, version: string, options: VerifyOptions = {}): Promise<VersionVerification> {
  const versionDir = join(modelDir, version);
  let manifest: Manifest | undefined;
  try {
    manifest = await readManifest(versionDir);
  } catch (error) {
    return { ok: false, problems: [toErrorPayload(error).message] };
  }
  if (!manifest) return options.requireManifest ? { ok: false, problems: [NO_MANIFEST] } : { ok: true, problems: [] };
  const problems = [...placementProblems(manifest, modelDir, version), ...(await artifactProblems(versionDir, manifest))];
  return { ok: problems.length === 0, problems, manifest };
}
