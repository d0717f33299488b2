/**
 * "fraud": a tabular MLP scoring 30 transaction features into [legit, fraud]
 * probabilities. Small and cheap per row, so it benefits most from large batches.
 */
import { dense, relu } from './layers.js';
import type { ExampleModel } from './example-model.js';
import { ElemType, GraphBuilder, mulberry32 } from './onnx-graph.js';

const FEATURES = 30;
const SEED = 0x0f4a0d01;

export const fraudModel: ExampleModel = {
  name: 'fraud',
  version: 1,
  config: {
    maxBatchSize: 64,
    dynamicBatching: { preferredBatchSizes: [16, 32, 64], maxQueueDelayUs: 0, maxQueueSize: 4096 },
    // Its batches run in 10–20 µs, less than handing them to a worker thread and back
    // costs: it runs on the socket thread (bench/what-we-changed.md, item 27).
    instanceGroup: [{ kind: 'cpu', count: 1, inline: true }],
    warmup: { batchSizes: [1, 64] },
  },
  build() {
    const rng = mulberry32(SEED);
    const g = new GraphBuilder('fraud');
    const x = g.input('features', ElemType.FLOAT, ['batch', FEATURES]);
    const h1 = relu(g, dense(g, rng, 'fc1', x, FEATURES, 64));
    const h2 = relu(g, dense(g, rng, 'fc2', h1, 64, 32));
    const logits = dense(g, rng, 'fc3', h2, 32, 2, { init: 'xavier' });
    g.op('Softmax', [logits], { axis: 1 }, 'probabilities');
    g.output('probabilities', ElemType.FLOAT, ['batch', 2]);
    return g.toBytes({
      doc: 'Fraud scorer: features FP32 [batch, 30] -> probabilities FP32 [batch, 2] ([legit, fraud]).',
    });
  },
};
