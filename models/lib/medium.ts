/**
 * "medium": a compute-bound MLP for benchmarks (512 -> 1024 -> 1024 -> 1024 -> 256,
 * 2.9 M float parameters, 11.5 MB).
 *
 * A plain MLP of that size is a matrix-vector product at batch 1: it streams its weights
 * once and finishes in ~0.2 ms on one core, too little for compute to dominate a
 * request's cost. So each row is broadcast into VIEWS rows, each with its own learned
 * offset, the shared MLP runs on all of them as one matrix-matrix product, and the
 * views' outputs are averaged. That measured ~1.2 ms at batch 1 and ~30 ms at batch 32
 * (one intra-op thread, AMD EPYC), with the weights still a few MB.
 */
import { dense, relu } from './layers.js';
import type { ExampleModel } from './example-model.js';
import { ElemType, GraphBuilder, mulberry32, uniform } from './onnx-graph.js';

const WIDTHS = [512, 1024, 1024, 1024, 256] as const;
const VIEWS = 16;
const SEED = 0x3ed10003;

export const mediumModel: ExampleModel = {
  name: 'medium',
  version: 1,
  config: {
    maxBatchSize: 32,
    dynamicBatching: { preferredBatchSizes: [8, 16, 32], maxQueueDelayUs: 0, maxQueueSize: 1024 },
    // Compute-bound: rows cost the same at any batch size, so throughput comes from using
    // both cores — two single-threaded instances (BENCHMARKS.md: one reached about half the limit).
    instanceGroup: [{ kind: 'auto', count: 2 }],
    warmup: { batchSizes: [1, 32] },
  },
  build() {
    const rng = mulberry32(SEED);
    const inWidth = WIDTHS[0];
    const outWidth = WIDTHS[WIDTHS.length - 1]!;
    const g = new GraphBuilder('medium');
    const x = g.input('x', ElemType.FLOAT, ['batch', inWidth]);

    // [batch, 512] -> [batch, VIEWS, 512] -> [batch * VIEWS, 512]
    const expanded = g.op('Unsqueeze', [x, g.int64Initializer('views.axes', [1], [1])]);
    const offsets = g.floatInitializer('views.offset', [VIEWS, inWidth], uniform(rng, VIEWS * inWidth, 0.5));
    const views = g.op('Add', [expanded, offsets]);
    let h = g.op('Reshape', [views, g.int64Initializer('views.rows', [2], [-1, inWidth])]);

    const last = WIDTHS.length - 2;
    for (let i = 0; i <= last; i++) {
      h = dense(g, rng, `fc${i + 1}`, h, WIDTHS[i]!, WIDTHS[i + 1]!, i === last ? { init: 'xavier' } : {});
      if (i !== last) h = relu(g, h);
    }

    // [batch * VIEWS, 256] -> [batch, VIEWS, 256] -> mean over views -> [batch, 256]
    const perView = g.op('Reshape', [h, g.int64Initializer('views.unrows', [3], [-1, VIEWS, outWidth])]);
    g.op('ReduceMean', [perView], { axes: [1], keepdims: 0 }, 'y');
    g.output('y', ElemType.FLOAT, ['batch', outWidth]);
    return g.toBytes({
      doc: `Benchmark MLP: x FP32 [batch, ${inWidth}] -> y FP32 [batch, ${outWidth}]; ` +
        `the 2.9 M-parameter MLP runs on ${VIEWS} offset views of each row, averaged.`,
    });
  },
};
