/**
 * The OIP metadata documents: the server's (GET /v2) and a model's
 * (GET /v2/models/{m}[/versions/{v}]), with wsinfer's additions — state, batching and
 * where the instances run — beside the protocol's fields.
 */
import { createRequire } from 'node:module';
import type { ModelHandle } from '../registry/model-handle.js';
import type { VersionEntry } from '../registry/model-registry.js';

const packageJson = createRequire(import.meta.url)('../../package.json') as { version: string };

export const SERVER_VERSION: string = packageJson.version;

export function serverMetadata(): Record<string, unknown> {
  return { name: 'wsinfer', version: SERVER_VERSION, extensions: ['model_repository', 'statistics', 'websocket'] };
}

export function modelMetadata(handle: ModelHandle | undefined, versions: readonly VersionEntry[]): Record<string, unknown> {
  const name = versions[0]!.name;
  const base = { name, versions: versions.map((v) => v.version), platform: 'onnxruntime_onnx' };
  if (!handle) {
    const last = versions.at(-1)!;
    return { ...base, inputs: [], outputs: [], state: last.state, ...(last.reason ? { reason: last.reason } : {}) };
  }
  return {
    ...base,
    version: handle.version,
    inputs: handle.signature.inputs,
    outputs: handle.signature.outputs,
    state: handle.state,
    max_batch_size: handle.config.maxBatchSize,
    dynamic_batching: handle.config.dynamicBatching,
    instances: handle.placements,
  };
}
