/**
 * Every model version the server knows, with its state: name + version → ModelHandle.
 * A version that fails to load stays listed as `unavailable` with the reason, and the
 * rest keep serving.
 */
import { WsinferError, toErrorPayload } from '../errors.js';
import type { Logger } from '../logger.js';
import { type LoaderContext, loadModelVersion } from './model-loader.js';
import type { ModelHandle, ModelState } from './model-handle.js';
import { type ModelFolder, scanRepository, selectVersions, versionPolicyOf } from './model-repository.js';

export interface VersionEntry {
  name: string;
  version: string;
  state: ModelState;
  /** Why the version is unavailable. */
  reason?: string;
  handle?: ModelHandle;
}

function byVersion(a: string, b: string): number {
  return Number(a) - Number(b);
}

export class ModelRegistry {
  private readonly models = new Map<string, Map<string, VersionEntry>>();

  constructor(
    readonly repositoryDir: string,
    private readonly context: LoaderContext,
  ) {}

  private get logger(): Logger {
    return this.context.logger;
  }

  /** Scan the repository and load every version its policy selects, one at a time. */
  async loadAll(): Promise<void> {
    const folders = await scanRepository(this.repositoryDir);
    if (folders.length === 0) this.logger.warn(`no models found in ${this.repositoryDir}`);
    for (const folder of folders) await this.loadFolder(folder);
  }

  private async loadFolder(folder: ModelFolder): Promise<void> {
    let versions: string[];
    try {
      versions = selectVersions(folder.versions, versionPolicyOf(folder));
    } catch (error) {
      this.record({ name: folder.name, version: folder.versions.at(-1)!, state: 'unavailable', reason: toErrorPayload(error).message });
      this.logger.error(toErrorPayload(error).message);
      return;
    }
    for (const version of versions) {
      const entry: VersionEntry = { name: folder.name, version, state: 'loading' };
      this.record(entry);
      try {
        entry.handle = await loadModelVersion(folder, version, this.context);
        entry.state = 'ready';
        this.logger.info(describeReady(entry.handle));
      } catch (error) {
        const { code, message } = toErrorPayload(error);
        entry.state = 'unavailable';
        entry.reason = `${code}: ${message}`;
        this.logger.error(`model '${folder.name}' version ${version} failed to load: ${entry.reason}`);
      }
    }
  }

  private record(entry: VersionEntry): void {
    let versions = this.models.get(entry.name);
    if (!versions) {
      versions = new Map();
      this.models.set(entry.name, versions);
    }
    versions.set(entry.version, entry);
  }

  /**
   * The handle that serves `name` at `version`, or — with no version — the highest ready
   * version. Throws ERR_MODEL_NOT_FOUND or ERR_MODEL_NOT_READY.
   */
  resolve(name: string, version?: string): ModelHandle {
    const versions = this.models.get(name);
    if (!versions) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${name}'`);
    if (version !== undefined) {
      const entry = versions.get(version);
      if (!entry) throw new WsinferError('ERR_MODEL_NOT_FOUND', `model '${name}' has no version ${version}`);
      if (entry.state !== 'ready' || !entry.handle) {
        throw new WsinferError('ERR_MODEL_NOT_READY', `model '${name}' version ${version} is ${entry.state}${entry.reason ? ` (${entry.reason})` : ''}`);
      }
      return entry.handle;
    }
    const ready = [...versions.values()].filter((e) => e.state === 'ready' && e.handle).sort((a, b) => byVersion(b.version, a.version));
    if (ready.length === 0) throw new WsinferError('ERR_MODEL_NOT_READY', `model '${name}' has no ready version`);
    return ready[0]!.handle!;
  }

  /** Entries of one model, ascending by version; undefined for unknown models. */
  versionsOf(name: string): VersionEntry[] | undefined {
    const versions = this.models.get(name);
    return versions ? [...versions.values()].sort((a, b) => byVersion(a.version, b.version)) : undefined;
  }

  /** Every known version, for the repository index. */
  entries(): VersionEntry[] {
    return [...this.models.keys()].sort().flatMap((name) => this.versionsOf(name)!);
  }

  /** True when every version that should be loaded is ready. */
  allReady(): boolean {
    return this.entries().every((entry) => entry.state === 'ready');
  }

  /** Drain and stop every version: answers all admitted requests first. */
  async unloadAll(): Promise<void> {
    await Promise.all(this.entries().map(async (entry) => {
      if (!entry.handle) return;
      entry.state = 'unloading';
      await entry.handle.unload();
      entry.state = 'unavailable';
      entry.reason = 'unloaded';
    }));
  }
}

function describeReady(handle: ModelHandle): string {
  const where = handle.placements.map((p) => `${p.count}× ${p.executionProvider}${p.deviceId === undefined ? '' : `:${p.deviceId}`}`).join(' + ');
  const batching = handle.batchable ? `batching up to ${handle.config.maxBatchSize} rows` : 'not batching';
  return `model '${handle.name}' version ${handle.version} ready on ${where} (${batching})`;
}
