/** Plain-text rendering of a GpuSnapshot for `wsinfer gpu`, one row per GPU and MIG device. */
import type { GpuDevice, GpuMemory, GpuSnapshot, GpuSnapshotError } from './gpu-snapshot.js';

const MIB = 1024 * 1024;
const NONE = '-';

const HEADER = ['GPU', 'NAME', 'UUID', 'MEMORY USED/TOTAL', 'UTIL', 'TEMP', 'POWER', 'MIG', 'PROCS', 'REPLICAS'];

export function formatGpuTable(snapshot: GpuSnapshot): string {
  if (!snapshot.available) return `GPU: not available: ${snapshot.reason ?? 'unknown reason'}\n`;
  const lines = [`NVIDIA driver ${snapshot.driverVersion ?? 'unknown'}, ${snapshot.devices.length} GPU(s)`];
  const rows: string[][] = [HEADER];
  for (const device of snapshot.devices) {
    rows.push(deviceRow(device));
    for (const mig of device.migDevices) {
      rows.push([
        `  ${device.index}/${mig.index}`,
        `MIG ${mig.profile ?? '?'} GI ${mig.gpuInstanceId ?? '?'} CI ${mig.computeInstanceId ?? '?'}`,
        mig.uuid,
        memoryText(mig.memory),
        NONE,
        NONE,
        NONE,
        NONE,
        NONE,
        NONE,
      ]);
    }
  }
  if (snapshot.devices.length > 0) lines.push(...alignColumns(rows));
  for (const error of snapshot.errors) lines.push(`error: ${errorText(error)}`);
  return `${lines.join('\n')}\n`;
}

function deviceRow(device: GpuDevice): string[] {
  const { mig } = device;
  const migText = mig.current === mig.pending ? onOff(mig.current) : `${onOff(mig.current)}->${onOff(mig.pending)} (reset pending)`;
  return [
    String(device.index),
    device.name ?? NONE,
    device.uuid,
    memoryText(device.memory),
    device.utilization === null ? NONE : `${device.utilization.gpuPercent}%`,
    device.temperatureC === null ? NONE : `${device.temperatureC}C`,
    device.powerWatts === null ? NONE : `${device.powerWatts.toFixed(1)}W`,
    migText,
    device.processes === null ? NONE : String(device.processes.length),
    device.timeSliceReplicas === null ? NONE : String(device.timeSliceReplicas),
  ];
}

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

function memoryText(memory: GpuMemory | null): string {
  if (memory === null) return NONE;
  return `${Math.round(memory.usedBytes / MIB)} / ${Math.round(memory.totalBytes / MIB)} MiB`;
}

function errorText(error: GpuSnapshotError): string {
  const where = error.deviceIndex === null ? '' : `GPU ${error.deviceIndex}${error.migIndex === null ? '' : `/${error.migIndex}`}: `;
  return `${where}${error.call} failed: ${error.message} (${error.code})`;
}

function alignColumns(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
}
