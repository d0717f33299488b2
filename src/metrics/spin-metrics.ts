/**
 * The spin gate on /metrics: whether idle instances poll for work (and so show CPU time
 * while no request runs) or sleep. See workers/spin-gate.ts and `--spin-wait-us`.
 */
import { Gauge, type Registry } from 'prom-client';
import type { SpinGate } from '../workers/spin-gate.js';
import { METRIC } from './metric-names.js';

export function registerSpinMetrics(registry: Registry, gate: SpinGate): void {
  new Gauge({
    name: METRIC.spinAllowedThreads,
    help: 'Threads the spin gate lets poll for work instead of sleeping (0 while it probes, when no core is idle, or with --spin-wait-us 0)',
    registers: [registry],
    collect() {
      this.set(gate.allowed);
    },
  });
  new Gauge({
    name: METRIC.spinPollingThreads,
    help: 'Instance threads polling for their next batch now',
    registers: [registry],
    collect() {
      this.set(gate.polling);
    },
  });
}
