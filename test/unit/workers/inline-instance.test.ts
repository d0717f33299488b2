/**
 * The instance that runs on the socket thread, against the real onnxruntime: results as a
 * batch task's, one batch at a time even when handed two, and close() after both.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InlineInstance } from '../../../src/workers/inline-instance.js';
import type { BatchTask } from '../../../src/workers/batch-task.js';

const FRAUD = join(fileURLToPath(new URL('../../../models/', import.meta.url)), 'fraud', '1', 'model.onnx');

function fraudInstance(): Promise<InlineInstance> {
  return InlineInstance.start({
    modelPath: FRAUD,
    settings: { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 },
    signature: { inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }], outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }] },
    warmupBatchSizes: [1, 64],
    batchable: true,
  });
}

function task(rows: number): BatchTask {
  return { inputs: [{ name: 'features', type: 'float32', dims: [rows, 30], data: Float32Array.from({ length: rows * 30 }, (_, i) => Math.sin(i)) }], outputNames: ['probabilities'] };
}

describe('InlineInstance', () => {
  it('runs a batch and answers like a worker instance: outputs, dims, compute time', async () => {
    const instance = await fraudInstance();
    const result = await instance.run(task(3));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.outputs.map((o) => [o.name, o.type, o.dims])).toEqual([['probabilities', 'float32', [3, 2]]]);
    const probabilities = result.outputs[0]!.data as Float32Array;
    // Softmax rows sum to one.
    for (let row = 0; row < 3; row++) expect(probabilities[2 * row]! + probabilities[2 * row + 1]!).toBeCloseTo(1, 5);
    expect(result.computeUs).toBeGreaterThan(0);
    await instance.close();
  });

  it('runs one batch at a time when handed two, and closes after both', async () => {
    const instance = await fraudInstance();
    const first = instance.run(task(2));
    const second = instance.run(task(5));
    expect(instance.idle).toBe(0);
    expect(instance.queued).toBe(1);
    const closed = instance.close();
    const [a, b] = await Promise.all([first, second]);
    expect(a.ok && a.outputs[0]!.dims).toEqual([2, 2]);
    expect(b.ok && b.outputs[0]!.dims).toEqual([5, 2]);
    await closed;
    expect(instance.queued).toBe(0);
  });

  it('answers a failed run with ERR_INFERENCE_FAILED instead of throwing', async () => {
    const instance = await fraudInstance();
    const wrong: BatchTask = { inputs: [{ name: 'features', type: 'float32', dims: [1, 29], data: new Float32Array(29) }], outputNames: ['probabilities'] };
    const result = await instance.run(wrong);
    expect(result).toMatchObject({ ok: false, code: 'ERR_INFERENCE_FAILED' });
    expect((await instance.run(task(1))).ok).toBe(true);
    await instance.close();
  });

  it('fails to start with ERR_MODEL_LOAD_FAILED for a file that is no model', async () => {
    await expect(InlineInstance.start({
      modelPath: fileURLToPath(import.meta.url),
      settings: { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 },
      signature: { inputs: [], outputs: [] },
      warmupBatchSizes: [],
      batchable: true,
    })).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD_FAILED' });
  });
});
