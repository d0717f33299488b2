/**
 * The limit runs the graph wsinfer's instances open (bench/lib/limit-graph.ts): the same
 * answers as the model file, its weights in a file that goes with dispose().
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { prepareLimitGraph } from '../../bench/lib/limit-graph.js';
import { SHIPPED_MODELS_DIR } from '../integration/helpers/model-repo.js';
import { maxAbsDiff, seededFloats } from '../integration/helpers/reference-run.js';

describe('prepareLimitGraph', () => {
  it("gives the limit medium's shared-weights graph, which answers as the model file does, and removes it on dispose", async () => {
    const modelPath = join(SHIPPED_MODELS_DIR, 'medium', '1', 'model.onnx');
    const graph = await prepareLimitGraph(modelPath);
    expect(graph.sharedWeights).toBe(true);
    expect(graph.path).not.toBe(modelPath);
    const x = new ort.Tensor('float32', seededFloats(3, 4 * 512), [4, 512]);
    const [given, shared] = await Promise.all([modelPath, graph.path].map((path) => ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 })));
    try {
      const [a, b] = await Promise.all([given!.run({ x }), shared!.run({ x })]);
      expect(b.y!.dims).toEqual([4, 256]);
      expect(maxAbsDiff(a.y!.data as Float32Array, b.y!.data as Float32Array)).toBeLessThanOrEqual(1e-5);
    } finally {
      await Promise.all([given!.release(), shared!.release()]);
    }
    await graph.dispose();
    expect(existsSync(dirname(graph.path))).toBe(false);
  });
});
