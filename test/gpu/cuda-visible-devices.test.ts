import { describe, expect, it } from 'vitest';
import { mapCudaDevices, parseCudaVisibleDevices } from '../../src/gpu/cuda-visible-devices.js';
import { readGpuSnapshot } from '../../src/gpu/gpu-monitor.js';
import type { GpuSnapshot } from '../../src/gpu/gpu-snapshot.js';
import { fakeNvmlScenario, H100_MIG, type ScenarioValues } from './fake-nvml.js';
import { GIB, gpusScenario, ONE_FULL_ONE_FREE, UUID_A, UUID_B } from './gpu-scenarios.js';

const MIG_3G = 'MIG-11111111-aaaa-bbbb-cccc-000000000000';
const MIG_2G = 'MIG-22222222-aaaa-bbbb-cccc-000000000000';

/** A snapshot read by the real addon from the fake library. */
async function snapshotOf(values: ScenarioValues): Promise<GpuSnapshot> {
  return readGpuSnapshot({ libraryPath: fakeNvmlScenario(values).libraryPath, env: {} });
}

/** cuda ordinal → what it is, in the order CUDA numbers them. */
function summary(snapshot: GpuSnapshot, visible: string | undefined, order?: string) {
  const map = mapCudaDevices(snapshot, { CUDA_VISIBLE_DEVICES: visible, CUDA_DEVICE_ORDER: order });
  return {
    devices: map.devices.map((d) => ({ cuda: d.cudaOrdinal, uuid: d.mig?.uuid ?? d.gpu.uuid, usable: d.unusableReason === null })),
    notes: map.notes,
  };
}

describe('parsing CUDA_VISIBLE_DEVICES as CUDA does', () => {
  const ordinals = (value: string) => parseCudaVisibleDevices(value)!.entries.map((e) => e.value);

  it('reads ordinals like strtoul and stops at the first that is not one', () => {
    expect(parseCudaVisibleDevices(undefined)).toBeNull();
    expect(ordinals('1gpu2,2ampere')).toEqual([1, 2]);
    expect(ordinals('2, +3, -0, 5')).toEqual([2, 3, 0, 5]);
    expect(ordinals('0, 1, 2, -1, 3')).toEqual([0, 1, 2]);
    expect(ordinals('4,3,two,one')).toEqual([4, 3]);
    expect(ordinals('one,two,3,4')).toEqual([]);
    expect(ordinals('')).toEqual([]);
  });

  it('hides every device when an ordinal repeats', () => {
    const parsed = parseCudaVisibleDevices('0, 1, 2, 1')!;
    expect(parsed.entries).toEqual([]);
    expect(parsed.notes).toEqual(['CUDA_VISIBLE_DEVICES names device 1 twice, which makes CUDA see no device at all']);
  });

  it('reads UUID lists until an entry that is not a UUID', () => {
    expect(ordinals('GPU-9e8d35e3, MIG-89c850dc')).toEqual(['GPU-9e8d35e3', 'MIG-89c850dc']);
    const parsed = parseCudaVisibleDevices('GPU-123, 2')!;
    expect(parsed.entries.map((e) => e.value)).toEqual(['GPU-123']);
    expect(parsed.notes[0]).toMatch(/'2' is not a GPU-\/MIG- UUID/);
  });
});

describe('CUDA ordinals of NVML devices', () => {
  it('numbers every GPU by its NVML index when the variable is unset', async () => {
    expect(summary(await snapshotOf(ONE_FULL_ONE_FREE), undefined)).toEqual({
      devices: [
        { cuda: 0, uuid: UUID_A, usable: true },
        { cuda: 1, uuid: UUID_B, usable: true },
      ],
      notes: [],
    });
  });

  it('numbers listed GPUs from 0 in the listed order, by index or by UUID prefix', async () => {
    const snapshot = await snapshotOf(ONE_FULL_ONE_FREE);
    expect(summary(snapshot, '1').devices).toEqual([{ cuda: 0, uuid: UUID_B, usable: true }]);
    expect(summary(snapshot, '1,0').devices).toEqual([
      { cuda: 0, uuid: UUID_B, usable: true },
      { cuda: 1, uuid: UUID_A, usable: true },
    ]);
    expect(summary(snapshot, 'GPU-bbbb,GPU-aaaaaaaa-1111').devices.map((d) => d.uuid)).toEqual([UUID_B, UUID_A]);
  });

  it('stops at an ordinal past the last GPU and at a UUID that matches none or several', async () => {
    const snapshot = await snapshotOf(ONE_FULL_ONE_FREE);
    const past = summary(snapshot, '1,7,0');
    expect(past.devices).toEqual([{ cuda: 0, uuid: UUID_B, usable: true }]);
    expect(past.notes).toEqual(["CUDA_VISIBLE_DEVICES: '7' is past the last GPU (NVML reports 2); CUDA ignores it and every entry after it"]);
    const unknown = summary(snapshot, 'GPU-ffff,GPU-aaaa');
    expect(unknown.devices).toEqual([]);
    expect(unknown.notes).toEqual(["CUDA_VISIBLE_DEVICES: 'GPU-ffff' matches no GPU or MIG instance NVML reports; CUDA ignores it and every entry after it"]);
    expect(summary(snapshot, 'GPU-aaaa,GPU-').notes).toEqual(["CUDA_VISIBLE_DEVICES: 'GPU-' matches 2 devices; CUDA ignores it and every entry after it"]);
  });

  it('sees no device when a UUID is named twice, or the variable is empty', async () => {
    const snapshot = await snapshotOf(ONE_FULL_ONE_FREE);
    expect(summary(snapshot, `${UUID_A},GPU-bbbb,GPU-aaaa`)).toEqual({
      devices: [],
      notes: [`CUDA_VISIBLE_DEVICES names ${UUID_A} twice, which makes CUDA see no device at all`],
    });
    expect(summary(snapshot, '')).toEqual({ devices: [], notes: [] });
    expect(summary(snapshot, '-1')).toEqual({ devices: [], notes: [] });
  });

  it('maps a MIG UUID to CUDA device 0, and uses only the first MIG instance listed', async () => {
    const snapshot = await snapshotOf(H100_MIG);
    const map = mapCudaDevices(snapshot, { CUDA_VISIBLE_DEVICES: MIG_2G });
    expect(map.devices).toHaveLength(1);
    expect(map.devices[0]).toMatchObject({ cudaOrdinal: 0, unusableReason: null, gpu: { index: 0 }, mig: { uuid: MIG_2G, profile: '2g.20gb', gpuInstanceId: 3 } });

    const two = summary(snapshot, `${MIG_3G},${MIG_2G}`);
    expect(two.devices).toEqual([{ cuda: 0, uuid: MIG_3G, usable: true }]);
    expect(two.notes).toEqual([`CUDA enumerates one MIG instance per process: ${MIG_2G} is ignored, ${MIG_3G} is used`]);
  });

  it('marks a GPU in MIG mode unusable when it is selected whole', async () => {
    const snapshot = await snapshotOf(H100_MIG);
    for (const visible of [undefined, '0', 'GPU-aaaaaaaa']) {
      const map = mapCudaDevices(snapshot, { CUDA_VISIBLE_DEVICES: visible });
      expect(map.devices.map((d) => [d.cudaOrdinal, d.mig, d.unusableReason])).toEqual([
        [0, null, 'GPU 0 is in MIG mode and cannot be used whole; start the process with CUDA_VISIBLE_DEVICES=MIG-<uuid> of one of its instances'],
      ]);
    }
  });

  it('keeps the CUDA ordinal of a GPU NVML could not read', async () => {
    const snapshot = await snapshotOf({ ...ONE_FULL_ONE_FREE, 'gpu0.handle': '!15' });
    expect(snapshot.devices.map((d) => d.index)).toEqual([1]);
    expect(summary(snapshot, undefined).devices).toEqual([{ cuda: 1, uuid: UUID_B, usable: true }]);
  });

  it('warns that ordinals may not be NVML indices for unlike GPUs without CUDA_DEVICE_ORDER=PCI_BUS_ID', async () => {
    const snapshot = await snapshotOf(
      gpusScenario([
        { uuid: UUID_A, name: 'NVIDIA A100-SXM4-40GB', totalBytes: 40 * GIB, freeBytes: 30 * GIB },
        { uuid: UUID_B, freeBytes: 70 * GIB },
      ]),
    );
    expect(summary(snapshot, undefined).notes).toEqual([
      'CUDA numbers unlike GPUs fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID, so its ordinals may differ from NVML indices; set CUDA_DEVICE_ORDER=PCI_BUS_ID or list GPU UUIDs in CUDA_VISIBLE_DEVICES',
    ]);
    expect(summary(snapshot, undefined, 'PCI_BUS_ID').notes).toEqual([]);
    expect(summary(snapshot, `${UUID_B},${UUID_A}`).notes).toEqual([]);
  });
});
