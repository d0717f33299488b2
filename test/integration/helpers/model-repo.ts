/**
 * Temporary model repositories for integration tests: shipped models copied in, fixture
 * models written, and config.json files as each test needs them.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SHIPPED_MODELS_DIR = new URL('../../../models/', import.meta.url).pathname;

export class TempModelRepo {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TempModelRepo> {
    return new TempModelRepo(await mkdtemp(join(tmpdir(), 'wsinfer-models-')));
  }

  /** Copy a shipped model (with its config.json unless `config` replaces it). */
  async addShipped(name: string, config?: unknown): Promise<this> {
    await cp(join(SHIPPED_MODELS_DIR, name), join(this.dir, name), { recursive: true });
    if (config !== undefined) await this.setConfig(name, config);
    return this;
  }

  /** Write a fixture model with one of test/fixtures/fixture-models.ts's writers. */
  async add(writer: (dir: string) => Promise<string>, config?: unknown): Promise<string> {
    const name = await writer(this.dir);
    if (config !== undefined) await this.setConfig(name, config);
    return name;
  }

  async setConfig(name: string, config: unknown): Promise<void> {
    await writeFile(join(this.dir, name, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}
