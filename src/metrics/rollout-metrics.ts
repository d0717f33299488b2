/**
 * Metrics of rollouts: where unversioned traffic went, canary share, rollbacks and
 * promotions, shadow latency and disagreement, experiment feedback.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ShadowDisagreement } from '../rollout/shadow-comparison.js';
import { DURATION_BUCKETS_SECONDS, METRIC } from './metric-names.js';

/** Absolute differences from float noise (1e-7) to plainly different answers (1e3). */
const DIFF_BUCKETS = Array.from({ length: 11 }, (_, i) => 10 ** (i - 7));

export class RolloutMetrics {
  private readonly routed: Counter<'model' | 'version' | 'arm'>;
  private readonly canaryPercent: Gauge<'model' | 'version'>;
  private readonly rollbacks: Counter<'model' | 'trigger'>;
  private readonly promotions: Counter<'model' | 'version'>;
  private readonly shadowRequests: Counter<'model' | 'version' | 'outcome'>;
  private readonly shadowDuration: Histogram<'model' | 'version'>;
  private readonly shadowMaxAbsDiff: Histogram<'model' | 'version'>;
  private readonly shadowRows: Counter<'model' | 'version'>;
  private readonly shadowMismatches: Counter<'model' | 'version'>;
  private readonly feedback: Counter<'model' | 'version' | 'arm'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.routed = new Counter({ name: METRIC.routedRequests, help: 'Unversioned requests by the version and arm the routing policy chose', labelNames: ['model', 'version', 'arm'], registers });
    this.canaryPercent = new Gauge({ name: METRIC.canaryPercent, help: 'Share of unversioned traffic on the canary version', labelNames: ['model', 'version'], registers });
    this.rollbacks = new Counter({ name: METRIC.rollbacks, help: 'Rollbacks, by what triggered them (api | guard)', labelNames: ['model', 'trigger'], registers });
    this.promotions = new Counter({ name: METRIC.promotions, help: 'Canaries promoted to default by a completed staged plan', labelNames: ['model', 'version'], registers });
    this.shadowRequests = new Counter({ name: METRIC.shadowRequests, help: 'Mirrored requests run on a shadow version', labelNames: ['model', 'version', 'outcome'], registers });
    this.shadowDuration = new Histogram({ name: METRIC.shadowDuration, help: 'Shadow version time per mirrored request', labelNames: ['model', 'version'], buckets: [...DURATION_BUCKETS_SECONDS], registers });
    this.shadowMaxAbsDiff = new Histogram({ name: METRIC.shadowMaxAbsDiff, help: 'Largest absolute output difference, shadow vs primary, per request', labelNames: ['model', 'version'], buckets: DIFF_BUCKETS, registers });
    this.shadowRows = new Counter({ name: METRIC.shadowComparedRows, help: 'Output rows compared by argmax, shadow vs primary', labelNames: ['model', 'version'], registers });
    this.shadowMismatches = new Counter({ name: METRIC.shadowArgmaxMismatches, help: 'Rows where the shadow picked a different class than the primary', labelNames: ['model', 'version'], registers });
    this.feedback = new Counter({ name: METRIC.experimentFeedback, help: 'Experiment feedback values received', labelNames: ['model', 'version', 'arm'], registers });
  }

  routedTo(model: string, version: string, arm: string): void {
    this.routed.inc({ model, version, arm });
  }

  setCanary(model: string, version: string | undefined, percent: number, previousVersion?: string): void {
    if (previousVersion !== undefined && previousVersion !== version) this.canaryPercent.remove({ model, version: previousVersion });
    if (version !== undefined) this.canaryPercent.set({ model, version }, percent);
  }

  rolledBack(model: string, trigger: 'api' | 'guard'): void {
    this.rollbacks.inc({ model, trigger });
  }

  promoted(model: string, version: string): void {
    this.promotions.inc({ model, version });
  }

  shadowFinished(model: string, version: string, durationUs: number, outcome: 'success' | 'error', disagreement?: ShadowDisagreement): void {
    this.shadowRequests.inc({ model, version, outcome });
    this.shadowDuration.observe({ model, version }, durationUs / 1e6);
    if (!disagreement) return;
    this.shadowMaxAbsDiff.observe({ model, version }, disagreement.maxAbsDiff);
    this.shadowRows.inc({ model, version }, disagreement.rows);
    this.shadowMismatches.inc({ model, version }, disagreement.argmaxMismatches);
  }

  feedbackReceived(model: string, version: string, arm: string): void {
    this.feedback.inc({ model, version, arm });
  }
}
