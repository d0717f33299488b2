/** |actual − expected| / |expected|: tail probabilities span 300 decades, so digits are relative. */
export function relativeError(actual: number, expected: number): number {
  return expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
}
