import { describe, expect, it } from 'vitest';
import { GpuMonitor, readGpuSnapshot, readGpuSnapshotSync } from '../../src/gpu/gpu-monitor.js';
import { loadNvmlBinding, missingBinding } from '../../src/gpu/nvml-binding.js';
import { WsinferError } from '../../src/errors.js';
import { fakeNvmlScenario, H100_MIG, H100_TWO_PROCESSES } from './fake-nvml.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

describe('the native addon', () => {
  it('is built and loads (the tests below exercise it, not a stand-in)', () => {
    const binding = loadNvmlBinding();
    expect(binding.defaultLibrary).toBe('libnvidia-ml.so.1');
    expect(binding.snapshotSync('/nonexistent/libnvidia-ml.so.1').reason).not.toMatch(/not built/);
  });
});

describe('GPU snapshot against a fake libnvidia-ml', () => {
  it('reports the dlopen error when the library does not exist', async () => {
    const snapshot = await readGpuSnapshot({ libraryPath: '/nonexistent/libnvidia-ml.so.1' });
    expect(snapshot).toEqual({
      available: false,
      reason: '/nonexistent/libnvidia-ml.so.1: cannot open shared object file: No such file or directory',
      driverVersion: null,
      devices: [],
      errors: [],
    });
  });

  it('reports nvmlErrorString when nvmlInit fails', async () => {
    const fake = fakeNvmlScenario({ init: '!9' });
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath });
    expect(snapshot).toEqual({
      available: false,
      reason: 'nvmlInit_v2 failed: Driver Not Loaded',
      driverVersion: null,
      devices: [],
      errors: [],
    });
    expect(fake.calls()).toEqual([]);
  });

  it('reads one 80 GB GPU with two processes, every field', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, timeSliceReplicas: null, env: {} });
    expect(snapshot).toEqual({
      available: true,
      driverVersion: '550.54.15',
      devices: [
        {
          index: 0,
          uuid: 'GPU-3f4b5c6d-1111-2222-3333-444455556666',
          name: 'NVIDIA H100 80GB HBM3',
          pciBusId: '00000000:17:00.0',
          memory: {
            totalBytes: 85520809984,
            usedBytes: 6 * GIB,
            freeBytes: 85520809984 - 565182464 - 6 * GIB,
            reservedBytes: 565182464,
          },
          utilization: { gpuPercent: 37, memoryPercent: 12 },
          temperatureC: 45,
          powerWatts: 312.5,
          mig: { current: false, pending: false },
          migDevices: [],
          processes: [
            { pid: 4242, usedMemoryBytes: 2 * GIB },
            { pid: 4343, usedMemoryBytes: 4 * GIB },
          ],
          timeSliceReplicas: null,
        },
      ],
      errors: [],
    });
    expect('reason' in snapshot).toBe(false);
  });

  it('reads a MIG GPU: three instances with profiles and memory, utilisation null', async () => {
    const fake = fakeNvmlScenario(H100_MIG);
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot.available).toBe(true);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.devices).toHaveLength(1);
    const [gpu] = snapshot.devices;
    expect(gpu).toEqual({
      index: 0,
      uuid: 'GPU-aaaaaaaa-0000-0000-0000-000000000001',
      name: 'NVIDIA H100 80GB HBM3',
      pciBusId: '00000000:3B:00.0',
      memory: {
        totalBytes: 85520809984,
        usedBytes: 3 * GIB,
        freeBytes: 85520809984 - 565182464 - 3 * GIB,
        reservedBytes: 565182464,
      },
      utilization: null,
      temperatureC: 38,
      powerWatts: 98.765,
      mig: { current: true, pending: true },
      migDevices: [
        {
          index: 0,
          uuid: 'MIG-11111111-aaaa-bbbb-cccc-000000000000',
          gpuInstanceId: 2,
          computeInstanceId: 0,
          profile: '3g.40gb',
          memory: { totalBytes: 40448 * MIB, usedBytes: 2 * GIB, freeBytes: 40448 * MIB - 2 * GIB, reservedBytes: 0 },
        },
        {
          index: 1,
          uuid: 'MIG-22222222-aaaa-bbbb-cccc-000000000000',
          gpuInstanceId: 3,
          computeInstanceId: 0,
          profile: '2g.20gb',
          memory: { totalBytes: 20096 * MIB, usedBytes: 1 * GIB, freeBytes: 20096 * MIB - 1 * GIB, reservedBytes: 0 },
        },
        {
          index: 3,
          uuid: 'MIG-33333333-aaaa-bbbb-cccc-000000000000',
          gpuInstanceId: 9,
          computeInstanceId: 0,
          profile: '1g.10gb',
          memory: { totalBytes: 9856 * MIB, usedBytes: 0, freeBytes: 9856 * MIB, reservedBytes: 0 },
        },
      ],
      // The parent answered NO_PERMISSION; the union of the instances' lists stands in.
      processes: [
        { pid: 5001, usedMemoryBytes: 2 * GIB },
        { pid: 5002, usedMemoryBytes: 1 * GIB },
      ],
      timeSliceReplicas: null,
    });
  });

  it('lists more processes than a first buffer holds, and merges a pid seen in two MIG instances', async () => {
    const many = Array.from({ length: 40 }, (_, i) => `${1000 + i}:${(i + 1) * MIB}`).join(',');
    const plain = await readGpuSnapshot({ libraryPath: fakeNvmlScenario({ ...H100_TWO_PROCESSES, 'gpu0.procs': many }).libraryPath, env: {} });
    expect(plain.devices[0].processes).toHaveLength(40);
    expect(plain.devices[0].processes?.[39]).toEqual({ pid: 1039, usedMemoryBytes: 40 * MIB });

    const shared = fakeNvmlScenario({ ...H100_MIG, 'gpu0.mig1.procs': `5001:${GIB},5002:${GIB}`, 'gpu0.mig3.procs': '5003:na' });
    const mig = await readGpuSnapshot({ libraryPath: shared.libraryPath, env: {} });
    expect(mig.devices[0].processes).toEqual([
      { pid: 5001, usedMemoryBytes: 3 * GIB },
      { pid: 5002, usedMemoryBytes: GIB },
      { pid: 5003, usedMemoryBytes: null },
    ]);
  });

  it('uses the parent list on a MIG GPU when the driver gives it (privileged caller)', async () => {
    const fake = fakeNvmlScenario({ ...H100_MIG, 'gpu0.procs': `6000:${GIB}` });
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot.devices[0].processes).toEqual([{ pid: 6000, usedMemoryBytes: GIB }]);
    expect(snapshot.devices[0].migDevices).toHaveLength(3);
    expect(snapshot.errors).toEqual([]);
  });

  it('leaves reservedBytes null when the library lacks nvmlDeviceGetMemoryInfo_v2', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES, 'noMemoryV2');
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot.available).toBe(true);
    expect(snapshot.errors).toEqual([]);
    // Totals and free memory are unchanged; v1 "used" includes the reserved memory.
    expect(snapshot.devices[0].memory).toEqual({
      totalBytes: 85520809984,
      usedBytes: 6 * GIB + 565182464,
      freeBytes: 85520809984 - 565182464 - 6 * GIB,
      reservedBytes: null,
    });
    expect(snapshot.devices[0].utilization).toEqual({ gpuPercent: 37, memoryPercent: 12 });
  });

  it('falls back to unsuffixed entry points and nulls fields an old library lacks', async () => {
    const fake = fakeNvmlScenario({ ...H100_TWO_PROCESSES, 'gpu0.procs': `77:na,78:${GIB}` }, 'legacy');
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot.available).toBe(true);
    expect(snapshot.errors).toEqual([]);
    const [gpu] = snapshot.devices;
    expect(gpu.uuid).toBe('GPU-3f4b5c6d-1111-2222-3333-444455556666');
    expect(gpu.memory?.reservedBytes).toBeNull();
    expect(gpu.memory?.totalBytes).toBe(85520809984);
    expect(gpu.powerWatts).toBeNull(); // symbol missing: null, not 0
    expect(gpu.mig).toEqual({ current: false, pending: false });
    expect(gpu.temperatureC).toBe(45);
    // The v1 process struct is shorter; a wrong layout would garble the second entry.
    expect(gpu.processes).toEqual([
      { pid: 77, usedMemoryBytes: null },
      { pid: 78, usedMemoryBytes: GIB },
    ]);
  });

  it('skips a device whose handle cannot be read and says why, keeping the others', async () => {
    const fake = fakeNvmlScenario({
      ...H100_TWO_PROCESSES,
      count: 3,
      'gpu1.handle': '!15',
      'gpu2.uuid': 'GPU-cccccccc-0000-0000-0000-000000000002',
      'gpu2.name': 'NVIDIA L4',
      'gpu2.mem.total': 24 * GIB,
      'gpu2.mem.reserved': 0,
      'gpu2.mem.used': 0,
      'gpu2.mem.free': 24 * GIB,
      'gpu2.temp': '!4',
    });
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot.available).toBe(true);
    expect(snapshot.devices.map((d) => [d.index, d.uuid])).toEqual([
      [0, 'GPU-3f4b5c6d-1111-2222-3333-444455556666'],
      [2, 'GPU-cccccccc-0000-0000-0000-000000000002'],
    ]);
    const l4 = snapshot.devices[1];
    expect(l4.name).toBe('NVIDIA L4');
    expect(l4.pciBusId).toBeNull();
    expect(l4.utilization).toBeNull();
    expect(l4.temperatureC).toBeNull();
    expect(l4.powerWatts).toBeNull();
    expect(l4.processes).toBeNull();
    expect(l4.mig).toEqual({ current: false, pending: false });
    // NOT_SUPPORTED answers are silent; real failures are listed.
    expect(snapshot.errors).toEqual([
      { deviceIndex: 1, migIndex: null, call: 'nvmlDeviceGetHandleByIndex_v2', code: 15, message: 'GPU is lost' },
      { deviceIndex: 2, migIndex: null, call: 'nvmlDeviceGetTemperature', code: 4, message: 'Insufficient Permissions' },
    ]);
  });

  it('reports available:false when the device count cannot be read', async () => {
    const fake = fakeNvmlScenario({ driver: '550.54.15', count: '!999' });
    const snapshot = await readGpuSnapshot({ libraryPath: fake.libraryPath, env: {} });
    expect(snapshot).toEqual({
      available: false,
      reason: 'nvmlDeviceGetCount_v2 failed: Unknown Error',
      driverVersion: '550.54.15',
      devices: [],
      errors: [],
    });
  });

  it('sees values change between snapshots, initialising NVML once and shutting it down on close', async () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const monitor = new GpuMonitor({ libraryPath: fake.libraryPath, env: {} });
    expect((await monitor.snapshot()).devices[0].processes).toHaveLength(2);
    fake.write({ ...H100_TWO_PROCESSES, 'gpu0.procs': '', 'gpu0.util.gpu': 0, 'gpu0.temp': 51 });
    const second = monitor.snapshotSync();
    expect(second.devices[0].processes).toEqual([]);
    expect(second.devices[0].utilization).toEqual({ gpuPercent: 0, memoryPercent: 12 });
    expect(second.devices[0].temperatureC).toBe(51);
    expect(fake.calls()).toEqual(['nvmlInit']);
    monitor.close();
    expect(fake.calls()).toEqual(['nvmlInit', 'nvmlShutdown']);
  });

  it('retries a failed nvmlInit on the next snapshot', async () => {
    const fake = fakeNvmlScenario({ init: '!9' });
    const monitor = new GpuMonitor({ libraryPath: fake.libraryPath, env: {} });
    expect((await monitor.snapshot()).available).toBe(false);
    fake.write(H100_TWO_PROCESSES);
    expect((await monitor.snapshot()).available).toBe(true);
    monitor.close();
  });

  it('takes the library and time-slicing from the environment', () => {
    const fake = fakeNvmlScenario(H100_TWO_PROCESSES);
    const snapshot = readGpuSnapshotSync({
      env: { WSINFER_NVML_LIBRARY: fake.libraryPath, WSINFER_GPU_TIME_SLICE_REPLICAS: '4' },
    });
    expect(snapshot.available).toBe(true);
    expect(snapshot.devices[0].timeSliceReplicas).toBe(4);
  });

  it('rejects an invalid time-slicing value with ERR_CONFIG_INVALID', () => {
    const attempt = () => new GpuMonitor({ env: { WSINFER_GPU_TIME_SLICE_REPLICAS: 'two' } });
    expect(attempt).toThrow(WsinferError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => new GpuMonitor({ timeSliceReplicas: 0 })).toThrow(/integer >= 1/);
  });

  it('reports available:false with the reason when the addon is missing', async () => {
    const binding = missingBinding('native addon not built: test');
    const snapshot = await new GpuMonitor({ binding, env: {} }).snapshot();
    expect(snapshot).toEqual({
      available: false,
      reason: 'native addon not built: test',
      driverVersion: null,
      devices: [],
      errors: [],
    });
  });
});
