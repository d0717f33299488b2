/**
 * Seeded randomness for the load generator, so random inputs and Poisson schedules repeat
 * exactly for a given `--seed` (tests check schedule statistics against fixed seeds).
 */
export { seededRandom } from '../seeded-random.js';

/** An exponentially distributed gap with mean 1/ratePerMs: Poisson arrivals. */
export function exponentialGapMs(random: () => number, ratePerMs: number): number {
  // 1 - u lies in (0, 1], so the log is finite.
  return -Math.log(1 - random()) / ratePerMs;
}
