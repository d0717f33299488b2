/**
 * A small seeded PRNG, so random inputs and Poisson schedules repeat exactly for a given
 * `--seed` (tests check schedule statistics against fixed seeds).
 */

/** mulberry32: 32-bit state, uniform floats in [0, 1). */
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

/** An exponentially distributed gap with mean 1/ratePerMs: Poisson arrivals. */
export function exponentialGapMs(random: () => number, ratePerMs: number): number {
  // 1 - u lies in (0, 1], so the log is finite.
  return -Math.log(1 - random()) / ratePerMs;
}
