/**
 * The one seeded PRNG of the project: generated model weights, packaged sample inputs and
 * benchmark inputs and schedules all repeat exactly for a given seed, on every machine.
 */

/** mulberry32: 32-bit state, uniform floats in [0, 1); integer ops only, so portable. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
