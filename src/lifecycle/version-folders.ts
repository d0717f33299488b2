/**
 * Version folders of a model in the repository: which exist, and which number the next
 * package gets. The name rules are scanRepository's (src/registry/model-repository.ts).
 */
import { readdir } from 'node:fs/promises';
import { WsinferError } from '../errors.js';

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const VERSION_PATTERN = /^[1-9][0-9]*$/;

/** Version-named folders under `modelDir`, ascending; empty when it does not exist. */
export async function listVersionFolders(modelDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(modelDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WsinferError('ERR_CONFIG_INVALID', `${modelDir} cannot be read: ${(error as Error).message}`);
  }
  return entries
    .filter((e) => e.isDirectory() && VERSION_PATTERN.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a) - Number(b));
}

/**
 * One above the highest version folder, or 1. Any version-named folder counts, with or
 * without a model in it, so a new package never lands in a folder someone else made.
 */
export async function nextVersion(modelDir: string): Promise<string> {
  const versions = await listVersionFolders(modelDir);
  return versions.length === 0 ? '1' : String(Number(versions[versions.length - 1]) + 1);
}

export function checkModelName(name: string): void {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new WsinferError('ERR_CONFIG_INVALID', `model name '${name}' must start with a letter or digit and hold only letters, digits, '_', '.', '-'`);
  }
}

export function checkVersion(version: string): void {
  if (!VERSION_PATTERN.test(version)) {
    throw new WsinferError('ERR_CONFIG_INVALID', `version '${version}' must be a positive integer without leading zeros`);
  }
}
