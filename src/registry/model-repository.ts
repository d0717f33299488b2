/**
 * The model repository on disk (design.md §3): `<root>/<name>/config.json` (optional) and
 * `<root>/<name>/<version>/model.onnx`, versions being positive integers. Folders without
 * any version are not models (the generator's own files live beside them).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WsinferError } from '../errors.js';
import { type VersionPolicy, parseVersionPolicy } from './model-config.js';

export interface ModelFolder {
  name: string;
  dir: string;
  /** Parsed config.json; undefined when the folder has none. */
  rawConfig: unknown;
  /** Set when config.json exists but cannot be read; the model then fails to load. */
  configError?: WsinferError;
  /** Version folders holding a model.onnx, ascending. */
  versions: string[];
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const VERSION_PATTERN = /^[1-9][0-9]*$/;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export function modelFile(folder: ModelFolder, version: string): string {
  return join(folder.dir, version, 'model.onnx');
}

/** One model's folder; undefined when it does not exist or holds no version. */
export async function readModelFolder(root: string, name: string): Promise<ModelFolder | undefined> {
  if (!NAME_PATTERN.test(name)) return undefined;
  const dir = join(root, name);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const versions: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && VERSION_PATTERN.test(entry.name) && (await isFile(join(dir, entry.name, 'model.onnx')))) {
      versions.push(entry.name);
    }
  }
  if (versions.length === 0) return undefined;
  versions.sort((a, b) => Number(a) - Number(b));
  const folder: ModelFolder = { name, dir, rawConfig: undefined, versions };
  const configPath = join(dir, 'config.json');
  if (await isFile(configPath)) {
    try {
      folder.rawConfig = JSON.parse(await readFile(configPath, 'utf8'));
    } catch (error) {
      folder.configError = new WsinferError('ERR_CONFIG_INVALID', `model '${name}': config.json is not valid JSON: ${(error as Error).message}`);
    }
  }
  return folder;
}

export async function scanRepository(root: string): Promise<ModelFolder[]> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    throw new WsinferError('ERR_CONFIG_INVALID', `model repository ${root} cannot be read: ${(error as Error).message}`);
  }
  const folders: ModelFolder[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || !NAME_PATTERN.test(entry.name)) continue;
    const folder = await readModelFolder(root, entry.name);
    if (folder) folders.push(folder);
  }
  return folders;
}

/** The versions a policy asks to load, ascending. */
export function selectVersions(available: readonly string[], policy: VersionPolicy): string[] {
  if ('all' in policy) return [...available];
  if ('latest' in policy) return available.slice(-policy.latest.numVersions);
  const wanted = new Set(policy.specific.versions.map(String));
  return available.filter((v) => wanted.has(v));
}

export function versionPolicyOf(folder: ModelFolder): VersionPolicy {
  const raw = (folder.rawConfig as { versionPolicy?: unknown } | undefined)?.versionPolicy;
  return parseVersionPolicy(folder.name, raw);
}
