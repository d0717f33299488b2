/**
 * Sticky assignment: the same key always lands in the same bucket, so a user does not flip
 * between versions from one request to the next.
 */

/** FNV-1a, 32 bits: fast, dependency-free, and well spread for short keys. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A position in [0, 100) with 0.01 resolution, stable for (salt, key). */
export function stickyPercentile(salt: string, key: string): number {
  // Mix again so that keys differing only in their last characters spread evenly.
  const hash = Math.imul(fnv1a(`${salt}\u0000${key}`) ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  return (hash % 10_000) / 100;
}
