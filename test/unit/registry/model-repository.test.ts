/**
 * The model repository as found on disk, and which versions a policy loads. A real temp
 * folder, since what matters is how actual directory listings are read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFile, scanRepository, selectVersions, versionPolicyOf, type ModelFolder } from '../../../src/registry/model-repository.js';
import { rejectionOf } from '../thrown-error.js';

let root: string;

async function put(path: string, content = ''): Promise<void> {
  const full = join(root, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, content);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wsinfer-repo-'));
  // mlp: versions 1, 2, 10 (numeric order matters), a config, and non-version folders.
  await put('mlp/1/model.onnx');
  await put('mlp/2/model.onnx');
  await put('mlp/10/model.onnx');
  await put('mlp/config.json', JSON.stringify({ maxBatchSize: 8, versionPolicy: { all: {} } }));
  await put('mlp/3/notes.txt');
  await put('mlp/01/model.onnx');
  await put('mlp/latest/model.onnx');
  await mkdir(join(root, 'mlp', '4', 'model.onnx'), { recursive: true });
  // broken: a version, but config.json is not JSON.
  await put('broken/1/model.onnx');
  await put('broken/config.json', '{ "maxBatchSize": ');
  // Not models: no version folder with a model.onnx, or a name that is not a model name.
  await put('scripts/generate.ts');
  await put('empty/7/readme.md');
  await put('.hidden/1/model.onnx');
  await put('README.md');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('scanRepository', () => {
  let folders: ModelFolder[];
  beforeAll(async () => {
    folders = await scanRepository(root);
  });

  it('lists only folders holding a version with model.onnx, by name', () => {
    expect(folders.map((f) => f.name)).toEqual(['broken', 'mlp']);
  });

  it('sorts versions numerically and ignores folders that are not versions or lack model.onnx', () => {
    const mlp = folders.find((f) => f.name === 'mlp')!;
    expect(mlp.versions).toEqual(['1', '2', '10']);
    expect(mlp.dir).toBe(join(root, 'mlp'));
    expect(modelFile(mlp, '10')).toBe(join(root, 'mlp', '10', 'model.onnx'));
  });

  it('parses config.json', () => {
    const mlp = folders.find((f) => f.name === 'mlp')!;
    expect(mlp.rawConfig).toEqual({ maxBatchSize: 8, versionPolicy: { all: {} } });
    expect(mlp.configError).toBeUndefined();
    expect(versionPolicyOf(mlp)).toEqual({ all: {} });
  });

  it('keeps a model with an unreadable config.json, marked with ERR_CONFIG_INVALID', () => {
    const broken = folders.find((f) => f.name === 'broken')!;
    expect(broken.versions).toEqual(['1']);
    expect(broken.rawConfig).toBeUndefined();
    expect(broken.configError?.code).toBe('ERR_CONFIG_INVALID');
    expect(broken.configError?.message).toContain("'broken'");
  });

  it('rejects a missing repository with ERR_CONFIG_INVALID', async () => {
    const error = await rejectionOf(scanRepository(join(root, 'does-not-exist')));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('does-not-exist');
  });

  it('rejects a repository path that is a file with ERR_CONFIG_INVALID', async () => {
    expect((await rejectionOf(scanRepository(join(root, 'README.md')))).code).toBe('ERR_CONFIG_INVALID');
  });
});

describe('selectVersions', () => {
  const available = ['1', '2', '10'];

  it('takes the newest N for latest', () => {
    expect(selectVersions(available, { latest: { numVersions: 1 } })).toEqual(['10']);
    expect(selectVersions(available, { latest: { numVersions: 2 } })).toEqual(['2', '10']);
    expect(selectVersions(available, { latest: { numVersions: 5 } })).toEqual(['1', '2', '10']);
  });

  it('takes every version for all', () => {
    expect(selectVersions(available, { all: {} })).toEqual(['1', '2', '10']);
  });

  it('takes the named versions that exist for specific, ascending', () => {
    expect(selectVersions(available, { specific: { versions: [10, 1, 7] } })).toEqual(['1', '10']);
  });

  it('defaults to the latest version when config.json names no policy', () => {
    const folder: ModelFolder = { name: 'm', dir: '/x', rawConfig: undefined, versions: available };
    expect(selectVersions(folder.versions, versionPolicyOf(folder))).toEqual(['10']);
  });
});
