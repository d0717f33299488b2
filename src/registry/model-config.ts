/**
 * config.json, after Triton's model configuration in camelCase (design.md §3). Parsed once,
 * defaults filled in, frozen; anything invalid is ERR_CONFIG_INVALID naming the field.
 */
import { WsinferError } from '../errors.js';
import type { InstanceKind } from '../runtime/session-factory.js';
import { type ModelSignature, hasDynamicInnerDims, isBatchable } from './model-signature.js';

export interface DynamicBatchingConfig {
  preferredBatchSizes: number[];
  /** Longest a request waits for a fuller batch while an instance is free. */
  maxQueueDelayUs: number;
  maxQueueSize: number;
  /** 0 = requests without their own timeout never expire. */
  defaultTimeoutUs: number;
  priorityLevels: number;
  /** Level of requests that name none; defaults to the lowest (= priorityLevels). */
  defaultPriorityLevel: number;
}

export interface InstanceGroup {
  kind: InstanceKind;
  count: number;
  /** CUDA device ordinals this group may use. */
  gpus?: number[];
  /** One CPU instance that runs on the socket thread itself (inline-instance.ts). */
  inline?: boolean;
}

export type VersionPolicy =
  | { latest: { numVersions: number } }
  | { all: Record<string, never> }
  | { specific: { versions: number[] } };

export interface ModelConfig {
  /** 0 = the model does not batch. */
  maxBatchSize: number;
  dynamicBatching: DynamicBatchingConfig;
  instanceGroup: InstanceGroup[];
  versionPolicy: VersionPolicy;
  warmup: { batchSizes: number[] };
  /** onnxruntime intra-op threads per instance. */
  intraOpThreads: number;
  /** CPU instances map one copy of the weights (runtime/shared-weights.ts); false: each holds its own. */
  shareWeights: boolean;
}

/** Used when a model folder has no config.json and the model batches. */
export const INFERRED_MAX_BATCH_SIZE = 32;

const DEFAULT_BATCHING: DynamicBatchingConfig = Object.freeze({
  preferredBatchSizes: [],
  // Triton's default: no added wait. Batches still form under load, because dispatch
  // waits for a free instance.
  maxQueueDelayUs: 0,
  maxQueueSize: 1024,
  defaultTimeoutUs: 0,
  priorityLevels: 1,
  defaultPriorityLevel: 1,
});

function invalid(modelName: string, field: string, why: string): WsinferError {
  return new WsinferError('ERR_CONFIG_INVALID', `model '${modelName}': ${field} ${why}`);
}

type Reader = (field: string, value: unknown, min: number) => number;

function integerReader(modelName: string): Reader {
  return (field, value, min) => {
    if (!Number.isSafeInteger(value) || (value as number) < min) throw invalid(modelName, field, `must be an integer ≥ ${min}`);
    return value as number;
  };
}

function objectOf(modelName: string, field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(modelName, field, 'must be an object');
  return value as Record<string, unknown>;
}

function rejectUnknown(modelName: string, field: string, object: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown) throw invalid(modelName, `${field}.${unknown}`, 'is not a known setting');
}

function integerList(modelName: string, field: string, value: unknown, min: number): number[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid(modelName, field, 'must be an array of integers');
  const int = integerReader(modelName);
  return value.map((v, i) => int(`${field}[${i}]`, v, min));
}

function parseBatching(modelName: string, raw: unknown, maxBatchSize: number): DynamicBatchingConfig {
  const object = objectOf(modelName, 'dynamicBatching', raw);
  const int = integerReader(modelName);
  const preferred = [...new Set(integerList(modelName, 'dynamicBatching.preferredBatchSizes', object.preferredBatchSizes, 1))].sort((a, b) => a - b);
  const tooLarge = preferred.find((size) => size > maxBatchSize);
  if (tooLarge !== undefined) throw invalid(modelName, 'dynamicBatching.preferredBatchSizes', `holds ${tooLarge}, more than maxBatchSize ${maxBatchSize}`);
  const priorityLevels = object.priorityLevels === undefined ? DEFAULT_BATCHING.priorityLevels : int('dynamicBatching.priorityLevels', object.priorityLevels, 1);
  const defaultPriorityLevel = object.defaultPriorityLevel === undefined ? priorityLevels : int('dynamicBatching.defaultPriorityLevel', object.defaultPriorityLevel, 1);
  if (defaultPriorityLevel > priorityLevels) throw invalid(modelName, 'dynamicBatching.defaultPriorityLevel', `must be ≤ priorityLevels (${priorityLevels})`);
  rejectUnknown(modelName, 'dynamicBatching', object, ['preferredBatchSizes', 'maxQueueDelayUs', 'maxQueueSize', 'defaultTimeoutUs', 'priorityLevels', 'defaultPriorityLevel']);
  return {
    preferredBatchSizes: preferred,
    maxQueueDelayUs: object.maxQueueDelayUs === undefined ? DEFAULT_BATCHING.maxQueueDelayUs : int('dynamicBatching.maxQueueDelayUs', object.maxQueueDelayUs, 0),
    maxQueueSize: object.maxQueueSize === undefined ? DEFAULT_BATCHING.maxQueueSize : int('dynamicBatching.maxQueueSize', object.maxQueueSize, 1),
    defaultTimeoutUs: object.defaultTimeoutUs === undefined ? DEFAULT_BATCHING.defaultTimeoutUs : int('dynamicBatching.defaultTimeoutUs', object.defaultTimeoutUs, 0),
    priorityLevels,
    defaultPriorityLevel,
  };
}

function parseInstanceGroups(modelName: string, raw: unknown): InstanceGroup[] {
  if (raw === undefined) return [{ kind: 'auto', count: 1 }];
  if (!Array.isArray(raw) || raw.length === 0) throw invalid(modelName, 'instanceGroup', 'must be a non-empty array');
  const int = integerReader(modelName);
  const groups = raw.map((entry, i) => {
    const group = objectOf(modelName, `instanceGroup[${i}]`, entry);
    rejectUnknown(modelName, `instanceGroup[${i}]`, group, ['kind', 'count', 'gpus', 'inline']);
    const kind = group.kind ?? 'auto';
    if (kind !== 'auto' && kind !== 'gpu' && kind !== 'cpu') throw invalid(modelName, `instanceGroup[${i}].kind`, 'must be auto, gpu or cpu');
    const count = group.count === undefined ? 1 : int(`instanceGroup[${i}].count`, group.count, 1);
    const out: InstanceGroup = { kind, count };
    if (group.gpus !== undefined) out.gpus = integerList(modelName, `instanceGroup[${i}].gpus`, group.gpus, 0);
    if (group.inline !== undefined) {
      if (typeof group.inline !== 'boolean') throw invalid(modelName, `instanceGroup[${i}].inline`, 'must be true or false');
      if (group.inline) {
        // The socket thread is one thread on the CPU: one instance, no device to choose.
        if (kind !== 'cpu') throw invalid(modelName, `instanceGroup[${i}].inline`, 'needs kind cpu: an inline instance runs on the socket thread');
        if (count !== 1) throw invalid(modelName, `instanceGroup[${i}].inline`, 'needs count 1: there is one socket thread');
        out.inline = true;
      }
    }
    return out;
  });
  if (groups.filter((g) => g.inline).length > 1) throw invalid(modelName, 'instanceGroup', 'may have one inline group at most');
  return groups;
}

export function parseVersionPolicy(modelName: string, raw: unknown): VersionPolicy {
  if (raw === undefined) return { latest: { numVersions: 1 } };
  const object = objectOf(modelName, 'versionPolicy', raw);
  const kinds = Object.keys(object);
  rejectUnknown(modelName, 'versionPolicy', object, ['latest', 'all', 'specific']);
  if (kinds.length !== 1) throw invalid(modelName, 'versionPolicy', 'must have exactly one of latest, all, specific');
  if (object.all !== undefined) {
    rejectUnknown(modelName, 'versionPolicy.all', objectOf(modelName, 'versionPolicy.all', object.all), []);
    return { all: {} };
  }
  if (object.latest !== undefined) {
    const latest = objectOf(modelName, 'versionPolicy.latest', object.latest);
    rejectUnknown(modelName, 'versionPolicy.latest', latest, ['numVersions']);
    return { latest: { numVersions: integerReader(modelName)('versionPolicy.latest.numVersions', latest.numVersions ?? 1, 1) } };
  }
  const specific = objectOf(modelName, 'versionPolicy.specific', object.specific);
  rejectUnknown(modelName, 'versionPolicy.specific', specific, ['versions']);
  const versions = integerList(modelName, 'versionPolicy.specific.versions', specific.versions, 1);
  if (versions.length === 0) throw invalid(modelName, 'versionPolicy.specific.versions', 'must name at least one version');
  return { specific: { versions } };
}

const KNOWN_FIELDS = new Set(['maxBatchSize', 'dynamicBatching', 'instanceGroup', 'versionPolicy', 'warmup', 'intraOpThreads', 'shareWeights']);

/**
 * The effective config of a model: `raw` is the parsed config.json (undefined when the
 * folder has none), `signature` the model's own IO, which decides what can batch.
 */
export function resolveModelConfig(modelName: string, raw: unknown, signature: ModelSignature): Readonly<ModelConfig> {
  const object = objectOf(modelName, 'config', raw);
  const unknown = Object.keys(object).find((key) => !KNOWN_FIELDS.has(key));
  if (unknown) throw invalid(modelName, unknown, 'is not a known setting');
  const int = integerReader(modelName);
  const batchable = isBatchable(signature);
  const maxBatchSize = object.maxBatchSize === undefined ? (batchable ? INFERRED_MAX_BATCH_SIZE : 0) : int('maxBatchSize', object.maxBatchSize, 0);
  if (maxBatchSize > 0 && !batchable) {
    throw invalid(modelName, 'maxBatchSize', `is ${maxBatchSize}, but the model cannot batch: every input and output needs a dynamic dim 0`);
  }
  const warmupObject = objectOf(modelName, 'warmup', object.warmup);
  rejectUnknown(modelName, 'warmup', warmupObject, ['batchSizes']);
  const explicitWarmup = warmupObject.batchSizes !== undefined;
  let warmupSizes = integerList(modelName, 'warmup.batchSizes', warmupObject.batchSizes, 1);
  if (maxBatchSize > 0) {
    const tooLarge = warmupSizes.find((size) => size > maxBatchSize);
    if (tooLarge !== undefined) throw invalid(modelName, 'warmup.batchSizes', `holds ${tooLarge}, more than maxBatchSize ${maxBatchSize}`);
  }
  // Without an explicit list, warm up once when inputs can be built from the shapes alone.
  if (!explicitWarmup) warmupSizes = hasDynamicInnerDims(signature) ? [] : [1];
  const config: ModelConfig = {
    maxBatchSize,
    dynamicBatching: parseBatching(modelName, object.dynamicBatching, Math.max(maxBatchSize, 1)),
    instanceGroup: parseInstanceGroups(modelName, object.instanceGroup),
    versionPolicy: parseVersionPolicy(modelName, object.versionPolicy),
    warmup: { batchSizes: warmupSizes },
    intraOpThreads: object.intraOpThreads === undefined ? 1 : int('intraOpThreads', object.intraOpThreads, 1),
    shareWeights: shareWeightsSetting(modelName, object.shareWeights),
  };
  return deepFreeze(config);
}

/** Whether `raw.shareWeights` asks for shared weights (the default); read before the config is resolved, since the probe writes them. */
export function shareWeightsSetting(modelName: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw invalid(modelName, 'shareWeights', `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
