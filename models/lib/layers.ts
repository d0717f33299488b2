/**
 * The few neural-network layers the example models are made of, as GraphBuilder calls
 * with seeded weights. Weight layouts follow PyTorch (Linear: [out, in] with transB=1;
 * Conv: [out, in, kh, kw]) so the graphs read like exported ones.
 */
import { GraphBuilder, heUniform, smallBias, xavierUniform, type Rng } from './onnx-graph.js';

export interface DenseOptions {
  /** He init when a Relu follows (the default), Xavier for the last, linear layer. */
  readonly init?: 'he' | 'xavier';
  /** Output value name; a fresh one when absent. */
  readonly output?: string;
}

/** Fully connected layer: Gemm(x, W[out, in], b[out], transB=1). */
export function dense(
  g: GraphBuilder,
  rng: Rng,
  prefix: string,
  input: string,
  inFeatures: number,
  outFeatures: number,
  options: DenseOptions = {},
): string {
  const count = inFeatures * outFeatures;
  const weights = options.init === 'xavier'
    ? xavierUniform(rng, count, inFeatures, outFeatures)
    : heUniform(rng, count, inFeatures);
  const w = g.floatInitializer(`${prefix}.weight`, [outFeatures, inFeatures], weights);
  const b = g.floatInitializer(`${prefix}.bias`, [outFeatures], smallBias(rng, outFeatures));
  return g.op('Gemm', [input, w, b], { transB: 1 }, options.output);
}

/** 2-D convolution with a square kernel, stride 1 and symmetric padding. */
export function conv2d(
  g: GraphBuilder,
  rng: Rng,
  prefix: string,
  input: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  pad: number,
): string {
  const fanIn = inChannels * kernel * kernel;
  const w = g.floatInitializer(
    `${prefix}.weight`,
    [outChannels, inChannels, kernel, kernel],
    heUniform(rng, outChannels * fanIn, fanIn),
  );
  const b = g.floatInitializer(`${prefix}.bias`, [outChannels], smallBias(rng, outChannels));
  return g.op('Conv', [input, w, b], {
    kernel_shape: [kernel, kernel],
    pads: [pad, pad, pad, pad],
    strides: [1, 1],
  });
}

export function relu(g: GraphBuilder, input: string): string {
  return g.op('Relu', [input]);
}

/** Non-overlapping max pooling (kernel = stride). */
export function maxPool2d(g: GraphBuilder, input: string, size: number): string {
  return g.op('MaxPool', [input], { kernel_shape: [size, size], strides: [size, size] });
}
