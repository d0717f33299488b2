/**
 * Seeded weights for the generated models. Every value comes from a 32-bit integer PRNG
 * and float32 rounding (no Math.random, no transcendental functions), so a given seed
 * gives the same bytes on every machine and every Node version.
 */

/** A source of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32: tiny, fast, and good enough for weight init; its state is one uint32. */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
