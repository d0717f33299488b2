/**
 * Seeded weights for the generated models. Every value comes from a 32-bit integer PRNG
 * and float32 rounding (no Math.random, no transcendental functions), so a given seed
 * gives the same bytes on every machine and every Node version.
 */

import { seededRandom } from '../../src/seeded-random.js';

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** The project's mulberry32 stream; the name the generators use. */
export const mulberry32: (seed: number) => Rng = seededRandom;

/** `count` float32 values drawn uniformly from [-limit, limit). */
export function uniform(rng: Rng, count: number, limit: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rng() * 2 - 1) * limit;
  return out;
}

/**
 * He (Kaiming) uniform init, limit sqrt(6 / fanIn): keeps activations from shrinking or
 * growing through stacks of Relu layers, so deep examples still give varied outputs.
 */
export function heUniform(rng: Rng, count: number, fanIn: number): Float32Array {
  return uniform(rng, count, Math.sqrt(6 / fanIn));
}

/** Xavier (Glorot) uniform init, limit sqrt(6 / (fanIn + fanOut)): for layers without Relu. */
export function xavierUniform(rng: Rng, count: number, fanIn: number, fanOut: number): Float32Array {
  return uniform(rng, count, Math.sqrt(6 / (fanIn + fanOut)));
}

/** Small biases, so a bias bug shows up in outputs instead of hiding behind zeros. */
export function smallBias(rng: Rng, count: number): Float32Array {
  return uniform(rng, count, 0.05);
}
