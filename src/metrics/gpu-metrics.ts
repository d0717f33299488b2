/**
 * GPU gauges under the DCGM exporter's names and labels (NVIDIA/dcgm-exporter,
 * etc/default-counters.csv and its label template), so dashboards and alerts built for it
 * work unchanged, plus a few wsinfer_gpu_* of our own. Values come from the sampler's cached
 * snapshot: a scrape never calls NVML.
 */
import { hostname as osHostname } from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import type { GpuDevice, GpuMemory, GpuMigDevice, GpuSnapshot } from '../gpu/gpu-snapshot.js';
import type { GpuSnapshotView } from '../gpu/gpu-sampler.js';

export const GPU_METRIC_NAMES = Object.freeze({
  fbUsed: 'DCGM_FI_DEV_FB_USED',
  fbFree: 'DCGM_FI_DEV_FB_FREE',
  fbReserved: 'DCGM_FI_DEV_FB_RESERVED',
  gpuUtil: 'DCGM_FI_DEV_GPU_UTIL',
  memCopyUtil: 'DCGM_FI_DEV_MEM_COPY_UTIL',
  gpuTemp: 'DCGM_FI_DEV_GPU_TEMP',
  powerUsage: 'DCGM_FI_DEV_POWER_USAGE',
  available: 'wsinfer_gpu_available',
  migEnabled: 'wsinfer_gpu_mig_enabled',
  computeProcesses: 'wsinfer_gpu_compute_processes',
  timeSliceReplicas: 'wsinfer_gpu_time_slice_replicas',
});

export interface GpuMetricsOptions {
  /** Value of the host label. Default: env NODE_NAME (as dcgm-exporter in k8s), else os.hostname(). */
  hostname?: string;
  /**
   * Name of the host label. dcgm-exporter wrote `Hostname` until a May 2026 change
   * (NVIDIA/dcgm-exporter#655) renamed it `hostname`; pick what your dashboards query.
   */
  hostnameLabel?: 'Hostname' | 'hostname';
}

export interface GpuMetrics {
  /** Removes the gauges from the registry. */
  unregister(): void;
}

const MIB = 1024 * 1024;
const DEVICE_LABELS = ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName'] as const;
const MIG_LABELS = ['GPU_I_PROFILE', 'GPU_I_ID'] as const;

type Labels = Record<string, string>;
type Series = (labels: Labels, value: number) => void;

export function registerGpuMetrics(registry: Registry, sampler: GpuSnapshotView, options: GpuMetricsOptions = {}): GpuMetrics {
  const hostLabel = options.hostnameLabel ?? 'Hostname';
  const host = options.hostname ?? (process.env.NODE_NAME || osHostname());
  const labelNames = [...DEVICE_LABELS, ...MIG_LABELS, hostLabel];

  const deviceLabels = (device: GpuDevice): Labels => ({
    gpu: String(device.index),
    UUID: device.uuid,
    pci_bus_id: device.pciBusId ?? '',
    device: `nvidia${device.index}`,
    modelName: device.name ?? '',
  });
  // Like dcgm-exporter, a MIG instance keeps its parent's gpu/UUID/device labels and adds
  // the GPU instance id and profile.
  const migLabels = (device: GpuDevice, mig: GpuMigDevice): Labels => ({
    ...deviceLabels(device),
    GPU_I_PROFILE: mig.profile ?? '',
    GPU_I_ID: mig.gpuInstanceId === null ? '' : String(mig.gpuInstanceId),
  });

  const names: string[] = [];
  const gauge = (name: string, help: string, fill: (snapshot: GpuSnapshot, set: Series) => void, labels = labelNames): void => {
    names.push(name);
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect() {
        // Rebuilt on every scrape so GPUs, MIG instances and unsupported readings that went
        // away leave no stale series behind.
        this.reset();
        const snapshot = sampler.latest;
        // The host label goes last, where dcgm-exporter prints it.
        if (snapshot !== null) fill(snapshot, (l, v) => this.set(labels.length === 0 ? l : { ...l, [hostLabel]: host }, v));
      },
    });
  };
  const perDevice = (pick: (device: GpuDevice) => number | null) => (snapshot: GpuSnapshot, set: Series) => {
    for (const device of snapshot.devices) {
      const value = pick(device);
      if (value !== null) set(deviceLabels(device), value);
    }
  };
  const memory = (pick: (memory: GpuMemory) => number | null) => (snapshot: GpuSnapshot, set: Series) => {
    const setMiB = (labels: Labels, memory: GpuMemory | null) => {
      const bytes = memory === null ? null : pick(memory);
      if (bytes !== null) set(labels, Math.floor(bytes / MIB));
    };
    for (const device of snapshot.devices) {
      setMiB(deviceLabels(device), device.memory);
      for (const mig of device.migDevices) setMiB(migLabels(device, mig), mig.memory);
    }
  };

  gauge(GPU_METRIC_NAMES.fbUsed, 'Framebuffer memory used (in MiB).', memory((m) => m.usedBytes));
  gauge(GPU_METRIC_NAMES.fbFree, 'Framebuffer memory free (in MiB).', memory((m) => m.freeBytes));
  // Used + free + reserved is the card's total (nvidia-smi's memory.total); without the
  // reserved part a dashboard's total comes out about 0.5 GiB short on a Hopper card.
  // Absent where the driver does not report it (before nvmlDeviceGetMemoryInfo_v2).
  gauge(GPU_METRIC_NAMES.fbReserved, 'Framebuffer memory reserved (in MiB).', memory((m) => m.reservedBytes));
  gauge(GPU_METRIC_NAMES.gpuUtil, 'GPU utilization (in %).', perDevice((d) => d.utilization?.gpuPercent ?? null));
  gauge(GPU_METRIC_NAMES.memCopyUtil, 'Memory utilization (in %).', perDevice((d) => d.utilization?.memoryPercent ?? null));
  gauge(GPU_METRIC_NAMES.gpuTemp, 'GPU temperature (in C).', perDevice((d) => d.temperatureC));
  gauge(GPU_METRIC_NAMES.powerUsage, 'Power draw (in W).', perDevice((d) => d.powerWatts));
  gauge(
    GPU_METRIC_NAMES.available,
    '1 when NVML could be read on the last sample, 0 when not (no driver, no library, init failed).',
    (snapshot, set) => set({}, snapshot.available ? 1 : 0),
    [],
  );
  gauge(GPU_METRIC_NAMES.migEnabled, '1 when MIG mode is currently enabled on the GPU.', perDevice((d) => (d.mig.current ? 1 : 0)));
  gauge(
    GPU_METRIC_NAMES.computeProcesses,
    'Processes with a CUDA context on the GPU (absent when the driver does not list them).',
    perDevice((d) => d.processes?.length ?? null),
  );
  gauge(
    GPU_METRIC_NAMES.timeSliceReplicas,
    'Pods the Kubernetes device plugin time-slices the GPU between (WSINFER_GPU_TIME_SLICE_REPLICAS).',
    perDevice((d) => d.timeSliceReplicas),
  );

  return {
    unregister() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
