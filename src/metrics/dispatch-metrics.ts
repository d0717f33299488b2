/**
 * Where batches run: `wsinfer_batches_total{model,version,device}` counts every batch handed
 * to an instance group (`device` = `cpu` or `cuda:<ordinal>`), and
 * `wsinfer_gpu_spills_total{model,version,reason}` the batches a model with GPU and CPU
 * instances sent to CPU instead (`queue_depth` or `memory_floor`). Together they show how
 * much of the load the GPU takes and why the rest did not go there.
 */
import { Counter, type Registry } from 'prom-client';
import type { DispatchRecorder, SpillReason } from '../workers/instance-selector.js';
import { METRIC } from './metric-names.js';

type Increment = { inc(): void };

export class DispatchMetrics {
  private readonly batches: Counter<'model' | 'version' | 'device'>;
  private readonly spills: Counter<'model' | 'version' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.batches = new Counter({ name: METRIC.batchesTotal, help: 'Batches handed to model instances, by the device they run on (cpu, cuda:N)', labelNames: ['model', 'version', 'device'], registers });
    this.spills = new Counter({ name: METRIC.gpuSpills, help: 'Batches sent to CPU instances although the model has GPU instances, by why (queue_depth, memory_floor)', labelNames: ['model', 'version', 'reason'], registers });
  }

  recorderFor(model: string, version: string): DispatchRecorder {
    // Label children are looked up once: this runs for every batch.
    const byDevice = new Map<string, Increment>();
    const byReason = new Map<SpillReason, Increment>();
    return {
      batchDispatched: (device, spill) => {
        let batches = byDevice.get(device);
        if (!batches) {
          batches = this.batches.labels({ model, version, device });
          byDevice.set(device, batches);
        }
        batches.inc();
        if (spill === null) return;
        let spills = byReason.get(spill);
        if (!spills) {
          spills = this.spills.labels({ model, version, reason: spill });
          byReason.set(spill, spills);
        }
        spills.inc();
      },
    };
  }
}
