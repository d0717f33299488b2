import { describe, expect, it } from 'vitest';
import { migMemoryGb, migProfileName } from '../../src/gpu/mig-profile.js';

const H100_80GB_BYTES = 85520809984;
const A100_40GB_BYTES = 42505273344;

const attrs = (g: number, c: number, memorySizeMB: number) => ({
  gpuInstanceSliceCount: g,
  computeInstanceSliceCount: c,
  multiprocessorCount: 0,
  memorySizeMB,
});

describe('migProfileName', () => {
  it.each([
    [1, 9856, H100_80GB_BYTES, '1g.10gb'],
    [2, 20096, H100_80GB_BYTES, '2g.20gb'],
    [3, 40448, H100_80GB_BYTES, '3g.40gb'],
    [7, 80896, H100_80GB_BYTES, '7g.80gb'],
    [1, 4864, A100_40GB_BYTES, '1g.5gb'],
    [3, 19968, A100_40GB_BYTES, '3g.20gb'],
  ])('names %ig with %i MiB on a %i-byte GPU %s', (g, mb, total, name) => {
    expect(migProfileName(attrs(g, g, mb), total)).toBe(name);
  });

  it('names a compute instance smaller than its GPU instance with both slice counts', () => {
    expect(migProfileName(attrs(3, 1, 40448), H100_80GB_BYTES)).toBe('1c.3g.40gb');
  });

  it('is null without attributes or slices', () => {
    expect(migProfileName(null, H100_80GB_BYTES)).toBeNull();
    expect(migProfileName(attrs(0, 0, 9856), H100_80GB_BYTES)).toBeNull();
  });

  it('rounds MiB up to GiB when the parent size is unknown', () => {
    expect(migMemoryGb(9856, null)).toBe(10);
  });
});
