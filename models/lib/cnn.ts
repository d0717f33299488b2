/**
 * "cnn": a LeNet-sized image classifier for 28x28 grayscale images (MNIST layout),
 * returning 10 logits. Exercises Conv/MaxPool kernels and 4-D inputs.
 */
import { conv2d, dense, maxPool2d, relu } from './layers.js';
import type { ExampleModel } from './example-model.js';
import { ElemType, GraphBuilder, mulberry32 } from './onnx-graph.js';

const SIDE = 28;
const CLASSES = 10;
const SEED = 0x0c0a0e02;

export const cnnModel: ExampleModel = {
  name: 'cnn',
  version: 1,
  config: {
    maxBatchSize: 64,
    dynamicBatching: { preferredBatchSizes: [16, 32, 64], maxQueueDelayUs: 0, maxQueueSize: 2048 },
    instanceGroup: [{ kind: 'auto', count: 1 }],
    warmup: { batchSizes: [1, 64] },
  },
  build() {
    const rng = mulberry32(SEED);
    const g = new GraphBuilder('cnn');
    const image = g.input('image', ElemType.FLOAT, ['batch', 1, SIDE, SIDE]);
    const c1 = maxPool2d(g, relu(g, conv2d(g, rng, 'conv1', image, 1, 8, 3, 1)), 2); // [b, 8, 14, 14]
    const c2 = maxPool2d(g, relu(g, conv2d(g, rng, 'conv2', c1, 8, 16, 3, 1)), 2); // [b, 16, 7, 7]
    const flat = g.op('Flatten', [c2], { axis: 1 }); // [b, 784]
    const features = 16 * (SIDE / 4) * (SIDE / 4);
    dense(g, rng, 'fc', flat, features, CLASSES, { init: 'xavier', output: 'scores' });
    g.output('scores', ElemType.FLOAT, ['batch', CLASSES]);
    return g.toBytes({
      doc: 'Image classifier: image FP32 [batch, 1, 28, 28] -> scores FP32 [batch, 10] (logits).',
    });
  },
};
