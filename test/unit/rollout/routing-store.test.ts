/**
 * routing.json: what is written reads back the same (previousDefault included), a missing
 * file means no policy, a broken one is ERR_CONFIG_INVALID, and writes leave no temp file.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRoutingPolicy } from '../../../src/rollout/routing-policy.js';
import { readRouting, removeRouting, routingFile, writeRouting } from '../../../src/rollout/routing-store.js';
import { rejectionOf } from '../thrown-error.js';

const MODEL = 'fraud';
let repositoryDir: string;

beforeEach(async () => {
  repositoryDir = await mkdtemp(join(tmpdir(), 'wsinfer-routing-'));
  await mkdir(join(repositoryDir, MODEL));
});

afterEach(async () => {
  await rm(repositoryDir, { recursive: true, force: true });
});

const FULL_POLICY = parseRoutingPolicy(MODEL, {
  default: '2',
  canary: { version: '3', stickyKey: 'user', steps: [5, 25, 50, 100], holdSeconds: 600, guard: { minRequests: 100 } },
  shadow: { version: '4', percent: 10 },
  experiment: { a: '2', b: '4', split: 30, metric: 'continuous', stickyKey: 'user' },
});

describe('routing.json', () => {
  it('lives in the model\'s folder', () => {
    expect(routingFile('/models', MODEL)).toBe(join('/models', MODEL, 'routing.json'));
  });

  it('reads back every part of the policy written, with the previous default', async () => {
    await writeRouting(repositoryDir, MODEL, { policy: FULL_POLICY, previousDefault: '1' });
    expect(await readRouting(repositoryDir, MODEL)).toEqual({ policy: FULL_POLICY, previousDefault: '1' });
  });

  it('reads back a policy written without a previous default as having none', async () => {
    await writeRouting(repositoryDir, MODEL, { policy: { default: '1' } });
    expect(await readRouting(repositoryDir, MODEL)).toEqual({ policy: { default: '1' } });
  });

  it('writes JSON a person can read and edit', async () => {
    await writeRouting(repositoryDir, MODEL, { policy: { default: '2' }, previousDefault: '1' });
    expect(await readFile(routingFile(repositoryDir, MODEL), 'utf8')).toBe('{\n  "default": "2",\n  "previousDefault": "1"\n}\n');
  });

  it('replaces the previous contents and leaves no temp file beside it', async () => {
    await writeRouting(repositoryDir, MODEL, { policy: FULL_POLICY, previousDefault: '1' });
    await writeRouting(repositoryDir, MODEL, { policy: { default: '5' } });
    expect(await readdir(join(repositoryDir, MODEL))).toEqual(['routing.json']);
    expect(await readRouting(repositoryDir, MODEL)).toEqual({ policy: { default: '5' } });
  });

  it('survives two writes at once: both succeed and the file holds one of them whole', async () => {
    const results = await Promise.allSettled([
      writeRouting(repositoryDir, MODEL, { policy: { default: '1' } }),
      writeRouting(repositoryDir, MODEL, { policy: { default: '2' } }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(['1', '2']).toContain((await readRouting(repositoryDir, MODEL))!.policy.default);
    expect(await readdir(join(repositoryDir, MODEL))).toEqual(['routing.json']);
  });

  it('means no policy when the file is missing, or the model folder is', async () => {
    expect(await readRouting(repositoryDir, MODEL)).toBeUndefined();
    expect(await readRouting(repositoryDir, 'no-such-model')).toBeUndefined();
  });

  it('means no policy once removed, and removing twice is harmless', async () => {
    await writeRouting(repositoryDir, MODEL, { policy: { default: '1' } });
    await removeRouting(repositoryDir, MODEL);
    await removeRouting(repositoryDir, MODEL);
    expect(await readRouting(repositoryDir, MODEL)).toBeUndefined();
  });

  it('is ERR_CONFIG_INVALID when it is not JSON', async () => {
    await writeFile(routingFile(repositoryDir, MODEL), '{ "default": "1", ');
    const error = await rejectionOf(readRouting(repositoryDir, MODEL));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain("routing.json of 'fraud' is not JSON");
  });

  it('is ERR_CONFIG_INVALID naming the field when the policy in it is invalid', async () => {
    await writeFile(routingFile(repositoryDir, MODEL), JSON.stringify({ default: '1', canary: { version: '1', percent: 5 } }));
    const error = await rejectionOf(readRouting(repositoryDir, MODEL));
    expect(error.code).toBe('ERR_CONFIG_INVALID');
    expect(error.message).toContain('canary.version must differ from default');
  });

  it('reads a hand-written file with numeric versions and defaults filled in', async () => {
    await writeFile(routingFile(repositoryDir, MODEL), JSON.stringify({ default: 1, shadow: { version: 2 } }));
    expect(await readRouting(repositoryDir, MODEL)).toEqual({ policy: { default: '1', shadow: { version: '2', percent: 100 } } });
  });
});
