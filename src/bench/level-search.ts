/**
 * The order in which a sweep visits its load levels under a latency budget. A linear
 * sweep climbs until the first level over the budget. perf_analyzer's --binary-search
 * instead tries the lowest and highest levels, then halves the gap between the highest
 * known within and the lowest known over: about log2(levels) steps instead of up to all
 * of them, for wide ranges.
 *
 * Both are generators that yield the next level and are told, for each, whether it was
 * over the budget.
 */
export type LevelSearch = Generator<number, void, boolean>;

/** Every level in order; stops after the first one over the budget. */
export function* linearSearch(levels: readonly number[]): LevelSearch {
  for (const level of levels) {
    const over = yield level;
    if (over) return;
  }
}

/** The highest level within the budget, found by bisection over `levels` (ascending). */
export function* binarySearch(levels: readonly number[]): LevelSearch {
  let within = 0;
  let over = levels.length - 1;
  if (yield levels[within]!) return; // the lowest is over: nothing is within
  if (over === within || !(yield levels[over]!)) return; // the highest is within: it is the answer
  while (over - within > 1) {
    const middle = (within + over) >> 1;
    if (yield levels[middle]!) over = middle;
    else within = middle;
  }
}
