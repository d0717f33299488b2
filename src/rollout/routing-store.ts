/**
 * routing.json in a model's folder: the policy persisted, so a restart keeps serving the
 * same versions in the same proportions. Written atomically (temp file, then rename).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WsinferError, toErrorPayload } from '../errors.js';
import { type RoutingPolicy, parseRoutingPolicy } from './routing-policy.js';

export interface StoredRouting {
  policy: RoutingPolicy;
  /** The default before the last promotion, which rollback restores. */
  previousDefault?: string;
}

export function routingFile(repositoryDir: string, model: string): string {
  return join(repositoryDir, model, 'routing.json');
}

/** undefined when the model has no routing.json; throws ERR_CONFIG_INVALID when it is bad. */
export async function readRouting(repositoryDir: string, model: string): Promise<StoredRouting | undefined> {
  let text: string;
  try {
    text = await readFile(routingFile(repositoryDir, model), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WsinferError('ERR_CONFIG_INVALID', `routing.json of '${model}' cannot be read: ${toErrorPayload(error).message}`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new WsinferError('ERR_CONFIG_INVALID', `routing.json of '${model}' is not JSON: ${toErrorPayload(error).message}`);
  }
  const stored: StoredRouting = { policy: parseRoutingPolicy(model, raw) };
  if (typeof raw.previousDefault === 'string') stored.previousDefault = raw.previousDefault;
  return stored;
}

export async function writeRouting(repositoryDir: string, model: string, stored: StoredRouting): Promise<void> {
  const path = routingFile(repositoryDir, model);
  // One temp file per write: two overlapping writes (a PUT during a guard event) must not share one.
  const temp = `${path}.${randomUUID()}.tmp`;
  const body = { ...stored.policy, ...(stored.previousDefault ? { previousDefault: stored.previousDefault } : {}) };
  await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`);
  await rename(temp, path);
}

export async function removeRouting(repositoryDir: string, model: string): Promise<void> {
  await rm(routingFile(repositoryDir, model), { force: true });
}
