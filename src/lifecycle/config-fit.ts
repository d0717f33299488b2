/**
 * Whether a model folder's config.json fits a model: the same resolveModelConfig the
 * server runs at load, so a config that would stop a version from loading is caught
 * before deploy (e.g. maxBatchSize on a model without a dynamic dim 0).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toErrorPayload } from '../errors.js';
import { resolveModelConfig } from '../registry/model-config.js';
import type { ModelSignature } from '../registry/model-signature.js';

export const CONFIG_FILE = 'config.json';

/** Why `<modelDir>/config.json` does not fit `signature`; undefined when it fits or is absent. */
export async function configProblem(modelDir: string, name: string, signature: ModelSignature): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(modelDir, CONFIG_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `${CONFIG_FILE} cannot be read: ${(error as Error).message}`;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return `${CONFIG_FILE} is not valid JSON: ${(error as Error).message}`;
  }
  try {
    resolveModelConfig(name, raw, signature);
    return undefined;
  } catch (error) {
    // The registry's message starts "model '<name>': ", which the report already says.
    return `${CONFIG_FILE}: ${toErrorPayload(error).message.replace(/^model '[^']*': /, '')}`;
  }
}
