export * from './gpu-snapshot.js';
export * from './gpu-monitor.js';
export * from './gpu-sampler.js';
export * from './gpu-table.js';
export * from './mig-profile.js';
export * from './cuda-visible-devices.js';
export * from './placement.js';
export { loadNvmlBinding, missingBinding, NVML_ADDON_PATH } from './nvml-binding.js';
export type { NvmlBinding, RawGpuSnapshot } from './nvml-binding.js';
