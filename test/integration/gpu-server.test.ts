/**
 * The server with the real NVML addon pointed at a fake libnvidia-ml: GPU gauges on
 * /metrics, placement at load (metadata, stats, log), and no library at all. This machine's
 * onnxruntime has no CUDA provider, so a group placed on a GPU then falls back to CPU, and
 * its placement says both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMultiIoModel } from '../fixtures/fixture-models.js';
import { fakeNvmlScenario, H100_MIG, type FakeNvmlScenario } from '../gpu/fake-nvml.js';
import { GIB, gpusScenario, H100_TOTAL_BYTES, MIB, UUID_A, UUID_B } from '../gpu/gpu-scenarios.js';
import { bin, RawSocket } from './helpers/raw-socket.js';
import { metricValue, startTestServer, type TestServer } from './helpers/test-server.js';

const H100 = 'NVIDIA H100 80GB HBM3';
const MIG_2G = 'MIG-22222222-aaaa-bbbb-cccc-000000000000';

async function json(t: TestServer, path: string): Promise<any> {
  return (await fetch(`${t.httpUrl}${path}`)).json();
}

async function inferFraud(t: TestServer): Promise<void> {
  const socket = await RawSocket.open(t.wsUrl);
  socket.sendMsgpack({ op: 'infer', id: 'f', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: bin(new Float32Array(30)) }] });
  expect(await socket.reply('f')).toMatchObject({ op: 'result' });
  socket.close();
}

describe('a server whose NVML reports two H100s, one of them full', () => {
  let t: TestServer;
  let fake: FakeNvmlScenario;
  const scenario = (temperatureC: number) => ({
    ...gpusScenario([{ uuid: UUID_A, freeBytes: 512 }, { uuid: UUID_B, freeBytes: 70 * GIB }]),
    'gpu1.temp': temperatureC,
  });

  beforeAll(async () => {
    fake = fakeNvmlScenario(scenario(41));
    t = await startTestServer(
      async (repo) => {
        await repo.addShipped('fraud', { instanceGroup: [{ kind: 'auto', count: 1, gpus: [0] }] });
        await repo.addShipped('cnn', { instanceGroup: [{ kind: 'auto', count: 2 }], maxBatchSize: 8 });
        await repo.add(writeMultiIoModel, { instanceGroup: [{ kind: 'gpu', count: 1, gpus: [0] }] });
      },
      { nvmlLibraryPath: fake.libraryPath, gpuEnv: {}, gpuSampleIntervalMs: 50 },
    );
  });
  afterAll(() => t?.stop());

  it('shows the GPUs on /metrics under the DCGM names, following new samples', async () => {
    const gpu1 = { gpu: '1', UUID: UUID_B, device: 'nvidia1', modelName: H100 };
    expect(await metricValue(t.httpUrl, 'wsinfer_gpu_available', {})).toBe(1);
    expect(await metricValue(t.httpUrl, 'DCGM_FI_DEV_FB_FREE', gpu1)).toBe(70 * 1024);
    expect(await metricValue(t.httpUrl, 'DCGM_FI_DEV_FB_FREE', { gpu: '0', UUID: UUID_A })).toBe(0);
    expect(await metricValue(t.httpUrl, 'DCGM_FI_DEV_FB_USED', { gpu: '0', UUID: UUID_A })).toBe(Math.floor((H100_TOTAL_BYTES - 512) / MIB));
    expect(await metricValue(t.httpUrl, 'DCGM_FI_DEV_GPU_TEMP', gpu1)).toBe(41);
    expect(await metricValue(t.httpUrl, 'wsinfer_gpu_mig_enabled', gpu1)).toBe(0);

    fake.write(scenario(77));
    while ((await metricValue(t.httpUrl, 'DCGM_FI_DEV_GPU_TEMP', gpu1)) !== 77) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it('runs an auto group on CPU when its GPU has too little free memory, and says why', async () => {
    const meta = await json(t, '/v2/models/fraud');
    expect(meta.state).toBe('ready');
    expect(meta.instances).toEqual([{ kind: 'auto', executionProvider: 'cpu', count: 1, reason: expect.any(String), sharedWeights: true }]);
    expect(meta.instances[0].reason).toMatch(/^no GPU can hold the group: 1 instance\(s\) need ~\d+\.\d KiB \(1 × \d+\.\d KiB model × 3\); /);
    expect(meta.instances[0].reason).toMatch(new RegExp(`; cuda:0 = GPU 0 \\(${H100}, ${UUID_A}\\): 512 B free; running on CPU$`));
    expect(t.logger.lines).toContain(`warn model 'fraud' version 1: instance group 0 (auto, 1×) runs on CPU: ${meta.instances[0].reason}`);
    await inferFraud(t);
    expect(await metricValue(t.httpUrl, 'wsinfer_batches_total', { model: 'fraud', version: '1', device: 'cpu' })).toBe(1);
  });

  it('names the GPU with room, then reports that CUDA failed there and the group runs on CPU', async () => {
    const [placement] = (await json(t, '/v2/models/cnn')).instances;
    expect(placement).toMatchObject({ kind: 'auto', executionProvider: 'cpu', count: 2 });
    expect(placement.reason).toMatch(new RegExp(`^chose cuda:1 = GPU 1 \\(${H100}, ${UUID_B}\\): 70\\.0 GiB free; 2 instance\\(s\\) need ~`));
    expect(placement.reason).toMatch(/; but CUDA execution provider unavailable: .+; running on CPU$/);
    const stats = await json(t, '/v2/models/cnn/stats');
    expect(stats.model_stats[0].placement).toEqual([placement]);
  });

  it('fails a gpu group with ERR_GPU_UNAVAILABLE and the memory reason', async () => {
    const meta = await json(t, '/v2/models/multi_io');
    expect(meta.state).toBe('unavailable');
    expect(meta.reason).toMatch(/^ERR_GPU_UNAVAILABLE: no GPU can hold the group: 1 instance\(s\) need ~/);
    expect(meta.reason).toMatch(new RegExp(`; cuda:0 = GPU 0 \\(${H100}, ${UUID_A}\\): 512 B free$`));
  });
});

describe('a server started with CUDA_VISIBLE_DEVICES naming a MIG instance', () => {
  let t: TestServer;
  beforeAll(async () => {
    const fake = fakeNvmlScenario(H100_MIG);
    t = await startTestServer((repo) => repo.addShipped('fraud', { instanceGroup: [{ kind: 'auto', count: 1 }] }), { nvmlLibraryPath: fake.libraryPath, gpuEnv: { CUDA_VISIBLE_DEVICES: MIG_2G } });
  });
  afterAll(() => t?.stop());

  it('places on that instance as CUDA device 0, and shows per-instance memory', async () => {
    const [placement] = (await json(t, '/v2/models/fraud')).instances;
    expect(placement.reason).toMatch(new RegExp(`^chose cuda:0 = MIG 2g\\.20gb \\(GI 3\\) of GPU 0 \\(${H100}, ${MIG_2G}\\): 18\\.6 GiB free;`));
    expect(await metricValue(t.httpUrl, 'DCGM_FI_DEV_FB_USED', { GPU_I_PROFILE: '2g.20gb', GPU_I_ID: '3' })).toBe(1024);
    expect(await metricValue(t.httpUrl, 'wsinfer_gpu_mig_enabled', { gpu: '0' })).toBe(1);
  });
});

describe('a server without an NVML library', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer((repo) => repo.addShipped('fraud', { instanceGroup: [{ kind: 'auto', count: 1 }] }), { nvmlLibraryPath: '/nonexistent/libnvidia-ml.so.1' });
  });
  afterAll(() => t?.stop());

  it('reports wsinfer_gpu_available 0, no GPU series, and serves on CPU', async () => {
    const text = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(text).toMatch(/^wsinfer_gpu_available 0$/m);
    expect(text).not.toMatch(/^DCGM_FI_DEV_FB_USED\{/m);
    const [placement] = (await json(t, '/v2/models/fraud')).instances;
    expect(placement).toMatchObject({ kind: 'auto', executionProvider: 'cpu', count: 1 });
    expect(placement.reason).toMatch(/^NVML is unavailable \(\/nonexistent\/libnvidia-ml\.so\.1: cannot open shared object file.*\); trying CUDA device 0 without a memory check; but CUDA execution provider unavailable/);
    await inferFraud(t);
  });
});
