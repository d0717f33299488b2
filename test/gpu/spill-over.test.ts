/**
 * Spill-over at run time, with the real pieces: the NVML addon reading a fake library whose
 * free memory changes between samples, the sampler, real instance pools and the batch
 * executor, and the dispatch counters a user scrapes. This machine has no CUDA provider, so
 * the group labelled `cuda:0` runs on CPU too; the choice between groups is what is tested.
 */
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingInference } from '../../src/batching/pending-inference.js';
import { GpuSampler } from '../../src/gpu/gpu-sampler.js';
import { DispatchMetrics } from '../../src/metrics/dispatch-metrics.js';
import type { Tensor } from '../../src/protocol/tensor.js';
import { type ModelSignature, signatureOf } from '../../src/registry/model-signature.js';
import { openSessionFor } from '../../src/runtime/session-factory.js';
import { BatchExecutor } from '../../src/workers/batch-executor.js';
import { InstancePool } from '../../src/workers/instance-pool.js';
import { InstanceSelector, type SpillPolicy } from '../../src/workers/instance-selector.js';
import { SHIPPED_MODELS_DIR } from '../integration/helpers/model-repo.js';
import { type FakeNvmlScenario, fakeNvmlScenario } from './fake-nvml.js';
import { GIB, gpusScenario, UUID_A } from './gpu-scenarios.js';

const MODEL_PATH = join(SHIPPED_MODELS_DIR, 'fraud', '1', 'model.onnx');
const POLICY: SpillPolicy = { queueBatches: 1, freeMemoryFloorBytes: 2 * GIB };

let signature: ModelSignature;
let pools: InstancePool[];

beforeAll(async () => {
  const probe = await openSessionFor(MODEL_PATH, 'cpu', { deviceId: 0, intraOpThreads: 1 });
  signature = signatureOf(probe.session);
  await probe.session.release();
  const start = () =>
    InstancePool.start({
      count: 1,
      loadTimeoutMs: 30_000,
      modelPath: MODEL_PATH,
      settings: { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 },
      signature,
      batchable: true,
      warmupBatchSizes: [],
    });
  pools = [await start(), await start()];
});
afterAll(async () => {
  await Promise.all((pools ?? []).map((pool) => pool.close()));
});

interface Setup {
  fake: FakeNvmlScenario;
  sampler: GpuSampler;
  executor: BatchExecutor;
  registry: Registry;
}

function setUp(freeBytes: number): Setup {
  const fake = fakeNvmlScenario(gpusScenario([{ uuid: UUID_A, freeBytes }]));
  const sampler = new GpuSampler({ libraryPath: fake.libraryPath, env: {}, intervalMs: 60_000 });
  const registry = new Registry();
  const recorder = new DispatchMetrics(registry).recorderFor('fraud', '1');
  const selector = new InstanceSelector([{ device: 'cuda:0', gpu: true, gpuUuid: UUID_A }, { device: 'cpu', gpu: false }], POLICY, sampler, recorder);
  const executor = new BatchExecutor(pools, signature, true, undefined, selector.choose);
  return { fake, sampler, executor, registry };
}

/** Runs one single-row batch; resolves with its answer. */
function runBatch(executor: BatchExecutor, id: string): Promise<Tensor[]> {
  return new Promise((resolve, reject) => {
    const request: PendingInference = {
      id,
      rows: 1,
      shapeKey: '30',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: new Float32Array(30).fill(0.5) }],
      outputNames: ['probabilities'],
      succeed: (outputs) => resolve(outputs),
      fail: reject,
    };
    void executor.run({ requests: [request], rows: 1, queueUs: [0], instanceFree: () => {} });
  });
}

async function counters(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['wsinfer_batches_total', 'wsinfer_gpu_spills_total']) {
    const metric = await registry.getSingleMetric(name)!.get();
    for (const { labels, value } of metric.values) out[`${name}{${labels.device ?? labels.reason}}`] = value;
  }
  return out;
}

describe('spill-over from GPU to CPU instances', () => {
  it('follows the free memory of the latest sample: above the floor GPU, below it CPU', async () => {
    const { fake, sampler, executor, registry } = setUp(10 * GIB);
    await sampler.sample();
    expect((await runBatch(executor, 'a'))[0]!.shape).toEqual([1, 2]);
    expect(await counters(registry)).toEqual({ 'wsinfer_batches_total{cuda:0}': 1 });

    fake.write(gpusScenario([{ uuid: UUID_A, freeBytes: 1 * GIB }]));
    // Not sampled yet: the decision still sees 10 GiB free (it never calls NVML itself).
    await runBatch(executor, 'b');
    expect(await counters(registry)).toEqual({ 'wsinfer_batches_total{cuda:0}': 2 });

    await sampler.sample();
    await runBatch(executor, 'c');
    await runBatch(executor, 'd');
    expect(await counters(registry)).toEqual({
      'wsinfer_batches_total{cuda:0}': 2,
      'wsinfer_batches_total{cpu}': 2,
      'wsinfer_gpu_spills_total{memory_floor}': 2,
    });

    fake.write(gpusScenario([{ uuid: UUID_A, freeBytes: 3 * GIB }]));
    await sampler.sample();
    await runBatch(executor, 'e');
    expect((await counters(registry))['wsinfer_batches_total{cuda:0}']).toBe(3);
  });

  it('queues one batch on the busy GPU instance, then sends the next to CPU', async () => {
    const { sampler, executor, registry } = setUp(10 * GIB);
    await sampler.sample();
    // Handed out in one go: the first runs on the GPU instance, the second waits for it
    // (queueBatches 1), the third finds the GPU queue full.
    const answers = await Promise.all(['a', 'b', 'c'].map((id) => runBatch(executor, id)));
    expect(answers.map((outputs) => outputs[0]!.shape)).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(await counters(registry)).toEqual({
      'wsinfer_batches_total{cuda:0}': 2,
      'wsinfer_batches_total{cpu}': 1,
      'wsinfer_gpu_spills_total{queue_depth}': 1,
    });
  });

  it('ignores free memory while NVML is unavailable', async () => {
    const { fake, sampler, executor, registry } = setUp(1 * GIB);
    fake.write({ init: '!9' });
    expect((await sampler.sample()).available).toBe(false);
    await runBatch(executor, 'a');
    expect(await counters(registry)).toEqual({ 'wsinfer_batches_total{cuda:0}': 1 });
  });
});
