/**
 * The serving metrics: a prom-client registry for GET /metrics (with prom-client's default
 * process metrics), and per-model latency windows for GET /v2/models/{m}/stats.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatchObserver } from '../workers/batch-executor.js';
import { type HistogramSeries, LabelledCounter, LabelledGauge, LabelledHistogram, type ValueSeries } from './bound-series.js';
import { LatencyWindow } from './latency-window.js';
import { BATCH_SIZE_BUCKETS, DURATION_BUCKETS_SECONDS, METRIC, type Outcome } from './metric-names.js';

type Labels = { model: string; version: string };

interface ModelWindows {
  count: number;
  queueUs: LatencyWindow;
  computeUs: LatencyWindow;
  totalUs: LatencyWindow;
}

/** One (model, version)'s series, bound once (bound-series.ts): a request's metrics are field updates. */
interface ModelSeries {
  pending: ValueSeries;
  requests: Map<Outcome, ValueSeries>;
  requestDuration: HistogramSeries;
  queueDuration: HistogramSeries;
  windows: ModelWindows;
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface ModelStats {
  model: string;
  version: string;
  /** Successful requests since start. */
  count: number;
  /** How many recent requests the percentiles cover. */
  window: number;
  queue_us: LatencySummary;
  compute_us: LatencySummary;
  total_us: LatencySummary;
}

function summarize(window: LatencyWindow): LatencySummary {
  const [p50, p95, p99] = window.percentiles([50, 95, 99]).map((v) => (v === null ? null : Math.round(v)));
  return { p50: p50!, p95: p95!, p99: p99! };
}

export class InferenceMetrics {
  readonly registry = new Registry();
  private readonly requests: LabelledCounter;
  private readonly requestDuration: LabelledHistogram;
  private readonly queueDuration: LabelledHistogram;
  private readonly computeDuration: LabelledHistogram;
  private readonly batchSize: LabelledHistogram;
  private readonly pending: LabelledGauge;
  private readonly windows = new Map<string, ModelWindows>();
  /** model → version → series: looked up twice per request, so no key string is built. */
  private readonly series = new Map<string, Map<string, ModelSeries>>();
  private readonly wsConnections: Gauge;
  private readonly wsClosedByServer: Counter<'code' | 'reason'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const labelNames = ['model', 'version'] as const;
    this.requests = new LabelledCounter(METRIC.requestsTotal, 'Inference requests by how they ended', [...labelNames, 'outcome'], registers);
    this.requestDuration = new LabelledHistogram(METRIC.requestDuration, 'Time from receiving a request to its answer', labelNames, DURATION_BUCKETS_SECONDS, registers);
    this.queueDuration = new LabelledHistogram(METRIC.queueDuration, 'Time a request waited in its batcher', labelNames, DURATION_BUCKETS_SECONDS, registers);
    this.computeDuration = new LabelledHistogram(METRIC.computeDuration, 'onnxruntime time per batch', labelNames, DURATION_BUCKETS_SECONDS, registers);
    this.batchSize = new LabelledHistogram(METRIC.batchSize, 'Rows per executed batch', labelNames, BATCH_SIZE_BUCKETS, registers);
    this.pending = new LabelledGauge(METRIC.pendingRequests, 'Requests admitted and not yet answered', labelNames, registers);
    this.wsConnections = new Gauge({ name: METRIC.wsConnections, help: 'Open WebSocket connections', registers });
    this.wsClosedByServer = new Counter({ name: METRIC.wsClosedByServer, help: 'WebSocket connections the server closed, by close code and reason', labelNames: ['code', 'reason'], registers });
  }

  private windowsOf(labels: Labels): ModelWindows {
    const key = `${labels.model}\u0000${labels.version}`;
    let windows = this.windows.get(key);
    if (!windows) {
      windows = { count: 0, queueUs: new LatencyWindow(), computeUs: new LatencyWindow(), totalUs: new LatencyWindow() };
      this.windows.set(key, windows);
    }
    return windows;
  }

  private seriesOf(labels: Labels): ModelSeries {
    let versions = this.series.get(labels.model);
    if (!versions) this.series.set(labels.model, (versions = new Map()));
    let series = versions.get(labels.version);
    if (!series) {
      series = {
        pending: this.pending.bind(labels),
        requests: new Map(),
        requestDuration: this.requestDuration.bind(labels),
        queueDuration: this.queueDuration.bind(labels),
        windows: this.windowsOf(labels),
      };
      versions.set(labels.version, series);
    }
    return series;
  }

  admitted(labels: Labels): void {
    this.seriesOf(labels).pending.inc();
  }

  /** A request ended; `admitted` says whether it had been counted as pending. */
  finished(labels: Labels, outcome: Outcome, totalUs: number, admitted: boolean, timing?: { queueUs: number; computeUs: number }): void {
    const series = this.seriesOf(labels);
    if (admitted) series.pending.dec();
    let requests = series.requests.get(outcome);
    if (!requests) {
      requests = this.requests.bind({ ...labels, outcome });
      series.requests.set(outcome, requests);
    }
    requests.inc();
    series.requestDuration.observe(totalUs / 1e6);
    if (outcome === 'timeout' || (timing && outcome === 'success')) {
      // Timeouts spent their whole life queued.
      series.queueDuration.observe((timing?.queueUs ?? totalUs) / 1e6);
    }
    if (outcome === 'success' && timing) {
      const windows = series.windows;
      windows.count++;
      windows.queueUs.record(timing.queueUs);
      windows.computeUs.record(timing.computeUs);
      windows.totalUs.record(totalUs);
    }
  }

  connectionOpened(): void {
    this.wsConnections.inc();
  }

  connectionClosed(): void {
    this.wsConnections.dec();
  }

  /** The server closed a socket (overload, protocol violation, shutdown). */
  closedByServer(code: number, reason: string): void {
    this.wsClosedByServer.inc({ code: String(code), reason });
  }

  observerFor(model: string, version: string): BatchObserver {
    const batchSize = this.batchSize.bind({ model, version });
    const computeDuration = this.computeDuration.bind({ model, version });
    return {
      batchFinished: (rows, computeUs) => {
        batchSize.observe(rows);
        if (computeUs !== undefined) computeDuration.observe(computeUs / 1e6);
      },
    };
  }

  stats(model: string, version: string): ModelStats {
    const windows = this.windowsOf({ model, version });
    return {
      model,
      version,
      count: windows.count,
      window: windows.totalUs.size,
      queue_us: summarize(windows.queueUs),
      compute_us: summarize(windows.computeUs),
      total_us: summarize(windows.totalUs),
    };
  }
}
