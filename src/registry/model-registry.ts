/**
 * Every model version the server knows, with its state: name + version → ModelHandle.
 * A version that fails to load stays listed as `unavailable` with the reason, and the
 * rest keep serving. Loading a model again loads its new versions first and only then
 * drains and unloads the ones its policy no longer selects, so traffic never lands on
 * nothing; a new version that fails to load leaves the old one serving.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { WsinferError, toErrorPayload } from '../errors.js';
import type { Logger } from '../logger.js';
import { type LoaderContext, loadModelVersion } from './model-loader.js';
import type { ModelHandle, ModelState } from './model-handle.js';
import { type ModelFolder, modelFile, readModelFolder, scanRepository, selectVersions, versionPolicyOf } from './model-repository.js';

export interface VersionEntry {
  name: string;
  version: string;
  state: ModelState;
  /** Why the version is unavailable. */
  reason?: string;
  handle?: ModelHandle;
  /** Size and mtime of the model file this entry was loaded from. */
  fingerprint?: string;
}

interface ModelRecord {
  versions: Map<string, VersionEntry>;
  /** What the loaded versions were built from; a change reloads them. */
  configHash: string;
}

function byVersion(a: string, b: string): number {
  return Number(a) - Number(b);
}

function configHashOf(folder: ModelFolder): string {
  return createHash('sha256').update(JSON.stringify(folder.rawConfig ?? null)).digest('hex');
}

export class ModelRegistry {
  private readonly models = new Map<string, ModelRecord>();
  private readonly locks = new Map<string, Promise<void>>();

  constructor(
    readonly repositoryDir: string,
    private readonly context: LoaderContext,
  ) {}

  private get logger(): Logger {
    return this.context.logger;
  }

  /** Scan the repository and load every model in it. */
  async loadAll(): Promise<void> {
    const folders = await scanRepository(this.repositoryDir);
    if (folders.length === 0) this.logger.warn(`no models found in ${this.repositoryDir}`);
    for (const folder of folders) await this.exclusive(folder.name, () => this.applyFolder(folder));
  }

  /**
   * Load (or reload) one model from its folder: the versions its policy selects are
   * loaded, then versions no longer selected are drained and unloaded. Throws
   * ERR_MODEL_NOT_FOUND when the repository has no such model.
   */
  async loadModel(name: string): Promise<void> {
    await this.exclusive(name, async () => {
      const folder = await readModelFolder(this.repositoryDir, name);
      if (!folder) throw new WsinferError('ERR_MODEL_NOT_FOUND', `the repository has no model '${name}'`);
      await this.applyFolder(folder, true);
    });
  }

  /** Drain and unload every version of a model; it leaves the index. */
  async unloadModel(name: string): Promise<void> {
    await this.exclusive(name, async () => {
      const record = this.models.get(name);
      if (!record) throw new WsinferError('ERR_MODEL_NOT_FOUND', `model '${name}' is not loaded`);
      await Promise.all([...record.versions.values()].map((entry) => this.unloadEntry(entry)));
      this.models.delete(name);
      this.logger.info(`model '${name}' unloaded`);
    });
  }

  /** Compare the repository with what is loaded: load new or changed models, unload removed ones. */
  async poll(): Promise<void> {
    const folders = await scanRepository(this.repositoryDir);
    const seen = new Set<string>();
    for (const folder of folders) {
      seen.add(folder.name);
      await this.exclusive(folder.name, () => this.applyFolder(folder));
    }
    for (const name of [...this.models.keys()]) {
      if (!seen.has(name)) await this.unloadModel(name).catch(() => {});
    }
  }

  /** Run `work` after every earlier load/unload of the same model has finished. */
  private async exclusive(name: string, work: () => Promise<void>): Promise<void> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const current = previous.then(work);
    const tail = current.catch(() => {});
    this.locks.set(name, tail);
    try {
      await current;
    } finally {
      if (this.locks.get(name) === tail) this.locks.delete(name);
    }
  }

  /**
   * Bring a model in line with its folder. With `force`, versions already loaded are
   * reloaded too; otherwise only when config.json changed.
   */
  private async applyFolder(folder: ModelFolder, force = false): Promise<void> {
    let record = this.models.get(folder.name);
    const configHash = configHashOf(folder);
    const reloadLoaded = force || (record !== undefined && record.configHash !== configHash);
    let wanted: string[];
    try {
      wanted = selectVersions(folder.versions, versionPolicyOf(folder));
    } catch (error) {
      const message = toErrorPayload(error).message;
      this.logger.error(message);
      if (!record) this.record(folder.name, { name: folder.name, version: folder.versions.at(-1)!, state: 'unavailable', reason: `ERR_CONFIG_INVALID: ${message}` }, configHash);
      return;
    }
    const fingerprints = new Map<string, string>();
    for (const version of wanted) fingerprints.set(version, await fingerprintOf(folder, version));
    if (record && !reloadLoaded && sameVersions(record, wanted, fingerprints)) return;

    for (const version of wanted) {
      const existing = record?.versions.get(version);
      const unchanged = existing?.fingerprint === fingerprints.get(version);
      // A version that failed is retried only when its file changes (poll would retry forever).
      if (existing && unchanged && !reloadLoaded && existing.state !== 'unloading') continue;
      if (existing?.state === 'ready' && existing.handle) {
        const replacement = await this.loadVersion(folder, version, { name: folder.name, version, state: 'loading' });
        if (!replacement.handle) continue; // the old build keeps serving
        const old = existing.handle;
        existing.handle = replacement.handle;
        existing.fingerprint = fingerprints.get(version);
        void old.unload();
        this.logger.info(`model '${folder.name}' version ${version} reloaded`);
        continue;
      }
      const entry: VersionEntry = { name: folder.name, version, state: 'loading', fingerprint: fingerprints.get(version) };
      record = this.record(folder.name, entry, configHash);
      await this.loadVersion(folder, version, entry);
    }
    record ??= this.models.get(folder.name);
    if (!record) return;
    record.configHash = configHash;

    // Retire versions the policy dropped — but never the last ready ones if nothing new is ready.
    const anyWantedReady = wanted.some((v) => record!.versions.get(v)?.state === 'ready');
    for (const entry of [...record.versions.values()]) {
      if (wanted.includes(entry.version)) continue;
      if (entry.state === 'ready' && !anyWantedReady) continue;
      await this.unloadEntry(entry);
      record.versions.delete(entry.version);
      this.logger.info(`model '${folder.name}' version ${entry.version} unloaded (no longer selected)`);
    }
  }

  /** Load into `entry` (recorded or not); the entry ends ready or unavailable with a reason. */
  private async loadVersion(folder: ModelFolder, version: string, entry: VersionEntry): Promise<VersionEntry> {
    try {
      entry.handle = await loadModelVersion(folder, version, this.context);
      entry.state = 'ready';
      entry.reason = undefined;
      this.logger.info(describeReady(entry.handle));
    } catch (error) {
      const { code, message } = toErrorPayload(error);
      entry.state = 'unavailable';
      entry.reason = `${code}: ${message}`;
      this.logger.error(`model '${folder.name}' version ${version} failed to load: ${entry.reason}`);
    }
    return entry;
  }

  private async unloadEntry(entry: VersionEntry): Promise<void> {
    if (!entry.handle) return;
    entry.state = 'unloading';
    await entry.handle.unload();
    entry.handle = undefined;
    entry.state = 'unavailable';
    entry.reason = 'unloaded';
  }

  private record(name: string, entry: VersionEntry, configHash: string): ModelRecord {
    let record = this.models.get(name);
    if (!record) {
      record = { versions: new Map(), configHash };
      this.models.set(name, record);
    }
    record.versions.set(entry.version, entry);
    return record;
  }

  /**
   * The handle that serves `name` at `version`, or — with no version — the highest ready
   * version. Throws ERR_MODEL_NOT_FOUND or ERR_MODEL_NOT_READY.
   */
  resolve(name: string, version?: string): ModelHandle {
    const record = this.models.get(name);
    if (!record) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${name}'`);
    if (version !== undefined) {
      const entry = record.versions.get(version);
      if (!entry) throw new WsinferError('ERR_MODEL_NOT_FOUND', `model '${name}' has no version ${version}`);
      if (entry.state !== 'ready' || !entry.handle) {
        throw new WsinferError('ERR_MODEL_NOT_READY', `model '${name}' version ${version} is ${entry.state}${entry.reason ? ` (${entry.reason})` : ''}`);
      }
      return entry.handle;
    }
    const latest = this.latestReady(name);
    if (!latest) throw new WsinferError('ERR_MODEL_NOT_READY', `model '${name}' has no ready version`);
    return latest;
  }

  /** The highest ready version's handle, if any. */
  latestReady(name: string): ModelHandle | undefined {
    const record = this.models.get(name);
    if (!record) return undefined;
    // Every request without a version comes here: one pass, nothing built.
    let best: VersionEntry | undefined;
    for (const entry of record.versions.values()) {
      if (entry.state !== 'ready' || !entry.handle) continue;
      if (!best || byVersion(entry.version, best.version) > 0) best = entry;
    }
    return best?.handle;
  }

  isReady(name: string, version: string): boolean {
    return this.models.get(name)?.versions.get(version)?.state === 'ready';
  }

  /** Entries of one model, ascending by version; undefined for unknown models. */
  versionsOf(name: string): VersionEntry[] | undefined {
    const record = this.models.get(name);
    return record ? [...record.versions.values()].sort((a, b) => byVersion(a.version, b.version)) : undefined;
  }

  modelNames(): string[] {
    return [...this.models.keys()].sort();
  }

  /** Every known version, for the repository index. */
  entries(): VersionEntry[] {
    return this.modelNames().flatMap((name) => this.versionsOf(name)!);
  }

  /** True when every version that should be loaded is ready. */
  allReady(): boolean {
    return this.entries().every((entry) => entry.state === 'ready');
  }

  /** Drain and stop every version: answers all admitted requests first. */
  async unloadAll(): Promise<void> {
    await Promise.all(this.entries().map((entry) => this.unloadEntry(entry)));
  }
}

function sameVersions(record: ModelRecord, wanted: readonly string[], fingerprints: Map<string, string>): boolean {
  const known = [...record.versions.keys()];
  return known.length === wanted.length && wanted.every((v) => record.versions.get(v)?.fingerprint === fingerprints.get(v));
}

/** Size and modification time of a version's model file: a change means new bytes to load. */
async function fingerprintOf(folder: ModelFolder, version: string): Promise<string> {
  try {
    const info = await stat(modelFile(folder, version));
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function describeReady(handle: ModelHandle): string {
  const where = handle.placements
    .map((p) => `${p.count}× ${p.executionProvider}${p.deviceId === undefined ? '' : `:${p.deviceId}`}${p.inline ? ' inline on the socket thread' : ''}${p.sharedWeights && p.count > 1 ? ' sharing one copy of the weights' : ''}`)
    .join(' + ');
  const batching = handle.batchable ? `batching up to ${handle.config.maxBatchSize} rows` : 'not batching';
  return `model '${handle.name}' version ${handle.version} ready on ${where} (${batching})`;
}
