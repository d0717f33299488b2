/**
 * MIG profile names ("1g.10gb", "1c.2g.20gb") from what NVML reports about a MIG device.
 * NVML has no call that returns the name for a MIG device handle, so it is derived the way
 * NVIDIA's go-nvlib names profiles: the instance's share of the parent's memory, rounded up
 * to eighths, times the parent's memory in whole GiB.
 */
import type { RawMigAttributes } from './nvml-binding.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const MEMORY_FRACTION_STEPS = 8;

export function migMemoryGb(memorySizeMB: number, parentTotalBytes: number | null): number {
  if (parentTotalBytes === null || parentTotalBytes <= 0) return Math.ceil(memorySizeMB / 1024);
  const fraction = Math.ceil(((memorySizeMB * MIB) / parentTotalBytes) * MEMORY_FRACTION_STEPS) / MEMORY_FRACTION_STEPS;
  return Math.round(fraction * Math.ceil(parentTotalBytes / GIB));
}

/** Null when the attributes do not describe a MIG slice. */
export function migProfileName(attributes: RawMigAttributes | null, parentTotalBytes: number | null): string | null {
  if (attributes === null) return null;
  const { gpuInstanceSliceCount: g, computeInstanceSliceCount: c, memorySizeMB } = attributes;
  if (g <= 0 || memorySizeMB <= 0) return null;
  const gb = migMemoryGb(memorySizeMB, parentTotalBytes);
  // A compute instance smaller than its GPU instance is named with both: "1c.3g.40gb".
  return c > 0 && c !== g ? `${c}c.${g}g.${gb}gb` : `${g}g.${gb}gb`;
}
