import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixedDimModel, writeMultiIoModel } from '../fixtures/fixture-models.js';
import { SHIPPED_MODELS_DIR } from './helpers/model-repo.js';
import { type TestServer, startTestServer } from './helpers/test-server.js';
import { RawSocket, bin } from './helpers/raw-socket.js';

let t: TestServer;

async function addVersion(dir: string, name: string, version: string): Promise<void> {
  await mkdir(join(dir, name, version), { recursive: true });
  await cp(join(SHIPPED_MODELS_DIR, 'fraud', '1', 'model.onnx'), join(dir, name, version, 'model.onnx'));
}

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await repo.add(writeMultiIoModel);
    await repo.add(writeFixedDimModel);
    // Requires a GPU: this machine's onnxruntime has no CUDA EP, so it must fail to load.
    await repo.addShipped('fraud', { instanceGroup: [{ kind: 'gpu', count: 1 }] });
    await repo.addShipped('cnn', { instanceGroup: [{ kind: 'auto', count: 2 }], maxBatchSize: 8 });
    for (const version of ['1', '2', '10']) await addVersion(repo.dir, 'latest2', version);
    await repo.setConfig('latest2', { versionPolicy: { latest: { numVersions: 2 } } });
    for (const version of ['1', '2', '3']) await addVersion(repo.dir, 'pinned', version);
    await repo.setConfig('pinned', { versionPolicy: { specific: { versions: [1, 3] } } });
    await addVersion(repo.dir, 'broken_config', '1');
    await repo.setConfig('broken_config', { maxBatchSize: 8, dynamicBatching: { maxQueueDelay: 5 } });
    await mkdir(join(repo.dir, 'not_onnx', '1'), { recursive: true });
    await writeFile(join(repo.dir, 'not_onnx', '1', 'model.onnx'), 'this is not a model');
  });
});
afterAll(() => t?.stop());

const json = async (path: string) => {
  const response = await fetch(`${t.httpUrl}${path}`);
  return { status: response.status, body: await response.json() as any };
};

describe('loading a model repository', () => {
  it('infers a config from the ONNX file when config.json is absent', async () => {
    expect((await json('/v2/models/multi_io')).body).toMatchObject({ max_batch_size: 32, dynamic_batching: { maxQueueDelayUs: 0, maxQueueSize: 1024 } });
    expect((await json('/v2/models/fixed_dim')).body).toMatchObject({ max_batch_size: 0 });
  });

  it('fails a gpu-only model with ERR_GPU_UNAVAILABLE, keeps it listed, and serves the rest', async () => {
    const meta = await json('/v2/models/fraud');
    expect(meta.body).toMatchObject({ name: 'fraud', state: 'unavailable', reason: expect.stringContaining('ERR_GPU_UNAVAILABLE') });
    expect(await json('/v2/models/fraud/ready')).toEqual({ status: 503, body: { name: 'fraud', ready: false } });
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack({ op: 'infer', id: 'g', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: bin(new Float32Array(30)) }] });
    expect(await socket.reply('g')).toMatchObject({ code: 'ERR_MODEL_NOT_READY', retryable: true });
    socket.close();
    expect(await json('/v2/health/ready')).toEqual({ status: 503, body: { ready: false } });
  });

  it('falls back from auto to CPU and says why, once', async () => {
    expect((await json('/v2/models/cnn')).body.instances).toEqual([{ kind: 'auto', executionProvider: 'cpu', count: 2, reason: expect.stringMatching(/CUDA execution provider unavailable: .+; running on CPU$/), sharedWeights: true }]);
    const notes = t.logger.lines.filter((line) => line.includes('GPU not used'));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/CUDA execution provider unavailable/);
  });

  it('runs requests on every instance of a group', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => {
      socket.sendMsgpack({ op: 'infer', id: `c${i}`, model: 'cnn', inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 1, 28, 28], data: bin(new Float32Array(784).fill(i / 20)) }] });
      return socket.reply(`c${i}`);
    }));
    expect(replies.every((r) => r.op === 'result' && r.outputs[0].shape[1] === 10)).toBe(true);
    socket.close();
  });

  it('loads the versions the policy selects and serves the highest by default', async () => {
    const index = await (await fetch(`${t.httpUrl}/v2/repository/index`, { method: 'POST' })).json() as Array<{ name: string; version: string }>;
    expect(index.filter((e) => e.name === 'latest2').map((e) => e.version)).toEqual(['2', '10']);
    expect(index.filter((e) => e.name === 'pinned').map((e) => e.version)).toEqual(['1', '3']);
    const socket = await RawSocket.open(t.wsUrl);
    const features = { name: 'features', datatype: 'FP32', shape: [1, 30], data: bin(new Float32Array(30)) };
    socket.sendMsgpack({ op: 'infer', id: 'd', model: 'latest2', inputs: [features] });
    socket.sendMsgpack({ op: 'infer', id: 'v2', model: 'latest2', version: '2', inputs: [features] });
    socket.sendMsgpack({ op: 'infer', id: 'v1', model: 'latest2', version: '1', inputs: [features] });
    expect(await socket.reply('d')).toMatchObject({ op: 'result', model_version: '10' });
    expect(await socket.reply('v2')).toMatchObject({ op: 'result', model_version: '2' });
    expect(await socket.reply('v1')).toMatchObject({ op: 'error', code: 'ERR_MODEL_NOT_FOUND' });
    socket.close();
  });

  it('reports a bad config or a file that is not ONNX as unavailable with the reason', async () => {
    expect((await json('/v2/models/broken_config')).body).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/ERR_CONFIG_INVALID.*dynamicBatching\.maxQueueDelay/) });
    expect((await json('/v2/models/not_onnx')).body).toMatchObject({ state: 'unavailable', reason: expect.stringContaining('ERR_MODEL_LOAD_FAILED') });
    expect(t.logger.lines.some((line) => line.startsWith('error') && line.includes("'not_onnx'"))).toBe(true);
  });
});
