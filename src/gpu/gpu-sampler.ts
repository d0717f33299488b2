/**
 * Polls a snapshot source on an interval and keeps the latest snapshot. Metrics scrapes and
 * placement read `latest` instead of calling NVML, so NVML is asked at most once per
 * interval however many readers there are.
 */
import type { GpuSnapshot } from './gpu-snapshot.js';
import { unavailableGpuSnapshot } from './gpu-snapshot.js';
import type { GpuMonitorOptions, GpuSnapshotSource } from './gpu-monitor.js';
import { GpuMonitor } from './gpu-monitor.js';

export const GPU_SAMPLER_DEFAULTS = Object.freeze({
  /** NVML's utilisation sample period is 1/6 s to 1 s; polling faster shows nothing new. */
  intervalMs: 1000,
});

export interface GpuSamplerOptions extends GpuMonitorOptions {
  intervalMs?: number;
  /** Where snapshots come from. Default: a GpuMonitor built from the other options. */
  source?: GpuSnapshotSource;
  /** Called when a listener throws; the default emits a process warning. */
  onListenerError?: (error: unknown) => void;
}

export type GpuSnapshotListener = (snapshot: GpuSnapshot) => void;

/** Read side of the sampler, all that metrics and placement need. */
export interface GpuSnapshotView {
  readonly latest: GpuSnapshot | null;
}

export class GpuSampler implements GpuSnapshotView {
  readonly intervalMs: number;
  readonly #source: GpuSnapshotSource;
  readonly #listeners = new Set<GpuSnapshotListener>();
  readonly #onListenerError: (error: unknown) => void;
  #latest: GpuSnapshot | null = null;
  #latestAtMs: number | null = null;
  #inFlight: Promise<GpuSnapshot> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(options: GpuSamplerOptions = {}) {
    const intervalMs = options.intervalMs ?? GPU_SAMPLER_DEFAULTS.intervalMs;
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new RangeError(`intervalMs must be a positive number, got ${String(intervalMs)}`);
    }
    this.intervalMs = intervalMs;
    this.#source = options.source ?? new GpuMonitor(options);
    this.#onListenerError =
      options.onListenerError ??
      ((error) => process.emitWarning(`GPU snapshot listener threw: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** The most recent snapshot; null before the first one completes. */
  get latest(): GpuSnapshot | null {
    return this.#latest;
  }

  /** Date.now() when `latest` was taken. */
  get latestAtMs(): number | null {
    return this.#latestAtMs;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Takes a first snapshot now, then one per interval until stop(). Idempotent. */
  start(): Promise<GpuSnapshot> {
    if (this.#running) return this.#inFlight ?? Promise.resolve(this.#latest ?? this.sample());
    this.#running = true;
    return this.#tick();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A fresh snapshot; joins the one in flight instead of starting a second NVML read. */
  sample(): Promise<GpuSnapshot> {
    this.#inFlight ??= this.#read().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  /** Calls `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: GpuSnapshotListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #read(): Promise<GpuSnapshot> {
    let snapshot: GpuSnapshot;
    try {
      snapshot = await this.#source.snapshot();
    } catch (error) {
      snapshot = unavailableGpuSnapshot(`GPU snapshot failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#latest = snapshot;
    this.#latestAtMs = Date.now();
    for (const listener of [...this.#listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        this.#onListenerError(error);
      }
    }
    return snapshot;
  }

  // A timeout chain rather than setInterval: a slow NVML read (first init can take seconds)
  // delays the next one instead of stacking reads up behind it.
  async #tick(): Promise<GpuSnapshot> {
    const startedMs = Date.now();
    const snapshot = await this.sample();
    if (this.#running && this.#timer === null) {
      const delayMs = Math.max(0, this.intervalMs - (Date.now() - startedMs));
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (this.#running) void this.#tick();
      }, delayMs);
      // Sampling alone must not keep a process alive (CLI one-shots, tests, shutdown).
      this.#timer.unref();
    }
    return snapshot;
  }
}
