/**
 * `wsinfer validate`: every version in a model repository re-checked, one report. A
 * repository passes only when every version does and there was something to check — an
 * empty or mistyped folder is a failed CI gate, not a silent pass.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, MODEL_FILE } from './manifest.js';
import { type VersionCheckOptions, type VersionReport, validateVersion } from './validate-version.js';
import { MODEL_NAME_PATTERN, listVersionFolders } from './version-folders.js';

export interface ValidateOptions extends VersionCheckOptions {
  modelsDir: string;
  /** Only this model. */
  model?: string;
}

export interface RepositoryReport {
  modelsDir: string;
  ok: boolean;
  strict: boolean;
  versions: VersionReport[];
  /** Problems with the repository itself (unreadable, empty, no such model). */
  problems: string[];
  counts: { ok: number; failed: number; noManifest: number };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Version folders worth checking: those with a model.onnx, and those with only a manifest
 * (a model file that went missing is exactly what validate is for).
 */
async function checkableVersions(modelDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const version of await listVersionFolders(modelDir)) {
    if ((await isFile(join(modelDir, version, MODEL_FILE))) || (await isFile(join(modelDir, version, MANIFEST_FILE)))) out.push(version);
  }
  return out;
}

async function modelNames(modelsDir: string): Promise<string[]> {
  const entries = await readdir(modelsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && MODEL_NAME_PATTERN.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
}

export async function validateRepository(options: ValidateOptions): Promise<RepositoryReport> {
  const report: RepositoryReport = {
    modelsDir: options.modelsDir,
    ok: false,
    strict: options.strict ?? false,
    versions: [],
    problems: [],
    counts: { ok: 0, failed: 0, noManifest: 0 },
  };
  let names: string[];
  try {
    names = await modelNames(options.modelsDir);
  } catch (error) {
    report.problems.push(`model repository ${options.modelsDir} cannot be read: ${(error as Error).message}`);
    return report;
  }
  if (options.model !== undefined) {
    if (!names.includes(options.model)) {
      report.problems.push(`no model '${options.model}' in ${options.modelsDir}`);
      return report;
    }
    names = [options.model];
  }
  for (const name of names) {
    const modelDir = join(options.modelsDir, name);
    const versions = await checkableVersions(modelDir);
    if (versions.length === 0 && options.model !== undefined) report.problems.push(`model '${name}' has no versions in ${modelDir}`);
    for (const version of versions) {
      const result = await validateVersion(modelDir, name, version, options);
      report.versions.push(result);
      if (result.status === 'ok') report.counts.ok++;
      else if (result.status === 'fail') report.counts.failed++;
      else report.counts.noManifest++;
    }
  }
  if (report.versions.length === 0 && report.problems.length === 0) report.problems.push(`no model versions in ${options.modelsDir}`);
  report.ok = report.problems.length === 0 && report.counts.failed === 0;
  return report;
}
