/**
 * CPU instances of a model map one copy of its weights (runtime/shared-weights.ts): what a
 * user sees of it — the metadata, the answers, the files in the temp dir and when they go.
 * What it saves in memory is measured by the suite (BENCHMARKS.md, memory per instance).
 */
import { cp, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownFolderPrefix } from '../../src/runtime/shared-weights.js';
import { writeIdentityModel } from '../fixtures/fixture-models.js';
import { SHIPPED_MODELS_DIR } from './helpers/model-repo.js';
import { RawSocket, bin, floats } from './helpers/raw-socket.js';
import { maxAbsDiff, referenceRun, seededFloats } from './helpers/reference-run.js';
import { type TestServer, startTestServer } from './helpers/test-server.js';

const savedTmpdir = process.env.TMPDIR;
let scratch: string;
let t: TestServer | undefined;
/** No process has this pid (checked below): its folder was left by a process that died. */
const DEAD_PID = 4_194_000;
/** Another host's folder in a temp dir shared between containers: its pid means nothing here. */
const OTHER_HOST_FOLDER = `wsinfer-weights-0123abcd-${DEAD_PID}-Ij56Kl`;

const weightFolders = async () => (await readdir(scratch)).filter((name) => name.startsWith(ownFolderPrefix())).sort();

beforeAll(async () => {
  // The folders go under os.tmpdir(): a temp dir of this file's own, so they can be counted.
  scratch = await mkdtemp(join(tmpdir(), 'wsinfer-shared-weights-test-'));
  process.env.TMPDIR = scratch;
  expect(() => process.kill(DEAD_PID, 0)).toThrow();
  // Left by this host: a process that died, and this pid in an earlier life (a container's
  // pid 1 restarted), made before this process started. Another host's is not ours to judge.
  const earlierLife = join(scratch, `${ownFolderPrefix()}${process.pid}-Ef34Gh`);
  for (const folder of [join(scratch, `${ownFolderPrefix()}${DEAD_PID}-Ab12Cd`), earlierLife, join(scratch, OTHER_HOST_FOLDER)]) {
    await mkdir(folder);
    await writeFile(join(folder, 'weights.bin'), Buffer.alloc(4096));
  }
  const longAgo = new Date(Date.now() - 3_600_000);
  await utimes(earlierLife, longAgo, longAgo);
  t = await startTestServer(async (repo) => {
    const copy = async (name: string, from: string, config: unknown) => {
      await mkdir(join(repo.dir, name, '1'), { recursive: true });
      await cp(join(SHIPPED_MODELS_DIR, from, '1', 'model.onnx'), join(repo.dir, name, '1', 'model.onnx'));
      await repo.setConfig(name, config);
    };
    await copy('medium', 'medium', { maxBatchSize: 32, instanceGroup: [{ kind: 'cpu', count: 3 }] });
    await copy('medium_own', 'medium', { maxBatchSize: 32, instanceGroup: [{ kind: 'cpu', count: 2 }], shareWeights: false });
    await repo.add((dir) => writeIdentityModel(dir, 'FP32'), { instanceGroup: [{ kind: 'cpu', count: 2 }] });
    // Needs CUDA, which this machine's onnxruntime lacks: it fails to load after the probe wrote its weights.
    await copy('medium_gpu', 'medium', { instanceGroup: [{ kind: 'gpu', count: 1 }] });
    await copy('bad_setting', 'fraud', { shareWeights: 'yes' });
  });
});

afterAll(async () => {
  await t?.stop();
  process.env.TMPDIR = savedTmpdir;
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  await rm(scratch, { recursive: true, force: true });
});

const metadata = async (model: string) => (await (await fetch(`${t!.httpUrl}/v2/models/${model}`)).json()) as any;

describe('shared weights', () => {
  it('has the CPU instances of a model share one copy of the weights by default, and says so', async () => {
    expect((await metadata('medium')).instances).toEqual([{ kind: 'cpu', executionProvider: 'cpu', count: 3, sharedWeights: true }]);
    expect(t!.logger.lines).toContainEqual(expect.stringContaining("model 'medium' version 1 ready on 3× cpu sharing one copy of the weights"));
  });

  it('gives each instance its own copy with "shareWeights": false, or when there is nothing large enough to share', async () => {
    expect((await metadata('medium_own')).instances).toEqual([{ kind: 'cpu', executionProvider: 'cpu', count: 2, sharedWeights: false }]);
    expect((await metadata('identity_fp32')).instances).toEqual([{ kind: 'cpu', executionProvider: 'cpu', count: 2, sharedWeights: false }]);
    expect(t!.logger.lines).toContainEqual(expect.stringContaining(
      "model 'identity_fp32' version 1: each CPU instance holds its own weights: no initializer of 4096 bytes or more to share",
    ));
  });

  it('refuses a shareWeights that is not true or false with ERR_CONFIG_INVALID', async () => {
    expect(await metadata('bad_setting')).toMatchObject({
      state: 'unavailable',
      reason: 'ERR_CONFIG_INVALID: model \'bad_setting\': shareWeights must be true or false, got "yes"',
    });
  });

  it('keeps one folder per loaded model whose instances share, and removes what a dead process or a failed load left', async () => {
    expect(await readdir(scratch)).toContain(OTHER_HOST_FOLDER);
    const folders = await weightFolders();
    // Only medium's: identity had nothing to write, medium_own asked for none, medium_gpu failed to load.
    expect(folders).toHaveLength(1);
    expect(folders[0]).toMatch(new RegExp(`^${ownFolderPrefix()}${process.pid}-`));
    expect(folders[0]).not.toMatch(/-Ef34Gh$/);
    const files = (await readdir(join(scratch, folders[0]!))).sort();
    expect(files).toEqual(['model.onnx', 'weights.bin']);
    // The original weights and their prepacked copy, page-aligned.
    const modelBytes = (await stat(join(SHIPPED_MODELS_DIR, 'medium', '1', 'model.onnx'))).size;
    expect((await stat(join(scratch, folders[0]!, 'weights.bin'))).size).toBeGreaterThan(modelBytes);
    expect((await metadata('medium_gpu')).state).toBe('unavailable');
  });

  it('answers as onnxruntime does on the original file, batch after batch', async () => {
    const socket = await RawSocket.open(t!.wsUrl);
    try {
      const rows = 8;
      const x = seededFloats(7, rows * 512);
      const expected = await referenceRun(join(SHIPPED_MODELS_DIR, 'medium', '1', 'model.onnx'), { x: new ort.Tensor('float32', x, [rows, 512]) }, 'y');
      for (let i = 0; i < rows; i++) {
        socket.sendMsgpack({ op: 'infer', id: `r${i}`, model: 'medium', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 512], data: bin(x.subarray(i * 512, (i + 1) * 512)) }] });
      }
      for (let i = 0; i < rows; i++) {
        const reply = await socket.reply(`r${i}`) as { outputs: Array<{ shape: number[]; data: Uint8Array }> };
        expect(reply.outputs[0]!.shape).toEqual([1, 256]);
        expect(maxAbsDiff(floats(reply.outputs[0]!.data), expected.subarray(i * 256, (i + 1) * 256))).toBeLessThanOrEqual(1e-5);
      }
    } finally {
      socket.close();
    }
  });

  it('removes the folder when the server stops', async () => {
    await t!.stop();
    t = undefined;
    expect(await weightFolders()).toEqual([]);
  });
});
