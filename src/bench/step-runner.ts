/**
 * Runs the load steps: for each concurrency (or request rate) apply the load, cut it into
 * measurement windows, repeat until the last windows agree (stability) or the trial limit
 * is reached, then report the step from its last windows. Every loop here is bounded in
 * count (trials, levels) and in time (windows, drain).
 */
import { type LatencyThreshold, exceeds } from './latency-threshold.js';
import { binarySearch, linearSearch } from './level-search.js';
import type { GpuTelemetry } from './gpu-telemetry.js';
import type { BenchTransport, InputSet, LoadMode, StepReport } from './bench-types.js';
import { summarizeLatencies } from './latency-stats.js';
import { busiestThreadsUs } from './process-cpu.js';
import { type AnswerTap, ClosedLoopDriver, type LoadDriver, OpenLoopDriver } from './load-drivers.js';
import { type RequestDistribution, RequestSchedule } from './request-schedule.js';
import { DEFAULT_STABILITY, type WindowFigures, isStable } from './stability.js';
import { MeasurementWindow, WindowRecorder } from './window-recorder.js';

export interface StepRunOptions {
  transport: BenchTransport;
  inputSets: InputSet[];
  mode: LoadMode;
  /** Concurrencies, or request rates (per second). */
  levels: number[];
  distribution: RequestDistribution;
  seed: number;
  measurementIntervalMs: number;
  /** Count windows: a window also waits for this many answers (at most MAX_COUNT_WINDOW_MS). */
  measurementRequestCount?: number;
  /** Load applied before the first step's first window, and not measured. */
  warmupMs: number;
  /** Windows per step at most. */
  maxTrials: number;
  stabilityTolerance: number;
  requestTimeoutMs: number;
  /** Open loop: requests in flight at most; more are counted as ERR_CLIENT_BACKLOG. */
  maxInFlight: number;
  /** Longest wait for in-flight answers between steps. */
  drainTimeoutMs: number;
  onWindow?: (step: { mode: LoadMode; level: number; trial: number; window: WindowFigures & { p50Us: number; p99Us: number; errors: number } }) => void;
  tap?: AnswerTap;
  wantOutputs?: () => boolean;
  /** Stop after the first step over this latency; later levels are not run. */
  latencyThreshold?: LatencyThreshold;
  /** With latencyThreshold: bisect the levels for the highest within it instead of climbing them. */
  binarySearch?: boolean;
  /** A server process on this machine whose CPU time each step reports. */
  serverPid?: number;
  /** --collect-metrics: the server's GPU gauges, summed per window. */
  gpuTelemetry?: GpuTelemetry;
  /** Aborted (Ctrl-C): the window running ends now, the step is reported, no more run. */
  signal?: AbortSignal;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How often a window's wait looks whether the run was interrupted or lost its last connection. */
const STOP_CHECK_MS = 50;
/** A count window ends after this long whatever it holds, so a server that stopped answering cannot hold the run forever. */
const MAX_COUNT_WINDOW_MS = 10 * 60_000;

/**
 * Waits `ms`, or less once no connection is left (the window could not fill any more) or
 * the run is interrupted.
 */
async function sleepUnlessStopped(transport: BenchTransport, ms: number, signal: AbortSignal | undefined, filled?: () => boolean): Promise<void> {
  const endMs = performance.now() + ms;
  while (transport.openConnections > 0 && !signal?.aborted) {
    const leftMs = endMs - performance.now();
    if (leftMs <= 0) return;
    if (filled?.()) return;
    await sleep(Math.min(leftMs, STOP_CHECK_MS));
  }
}

/**
 * One window's wait: its length, or with count windows until it holds enough answers too.
 * A count window may run far past the request timeout, so it expires late requests as it
 * goes: they count as answers (ERR_CLIENT_TIMEOUT) and cannot keep it open.
 */
async function waitForWindow(options: StepRunOptions, recorder: () => WindowRecorder): Promise<void> {
  const { transport, signal, measurementRequestCount: count } = options;
  await sleepUnlessStopped(transport, options.measurementIntervalMs, signal);
  if (count === undefined) return;
  await sleepUnlessStopped(transport, MAX_COUNT_WINDOW_MS - options.measurementIntervalMs, signal, () => {
    transport.expire(performance.now() - options.requestTimeoutMs);
    return recorder().answered >= count;
  });
}

export function toStepReport(mode: LoadMode, level: number, merged: MeasurementWindow, windows: number, stable: boolean): StepReport {
  const seconds = merged.durationMs / 1000;
  const percentOfOneCore = (cpuUs: number) => (merged.durationMs > 0 ? (cpuUs / 1000 / merged.durationMs) * 100 : 0);
  const lags = merged.sendLagsUs.count > 0 ? summarizeLatencies(merged.sendLagsUs.values()) : undefined;
  return {
    mode,
    level,
    windows,
    stable,
    durationMs: merged.durationMs,
    completed: merged.completed,
    errors: merged.errors,
    errorsByCode: Object.fromEntries(merged.errorsByCode),
    requestsPerSec: seconds > 0 ? merged.completed / seconds : 0,
    inferPerSec: seconds > 0 ? merged.rows / seconds : 0,
    latency: summarizeLatencies(merged.latenciesUs.values()),
    clientSendUs: merged.sent > 0 ? merged.sendUsSum / merged.sent : 0,
    clientRecvUs: merged.completed > 0 ? merged.recvUsSum / merged.completed : 0,
    ...(lags ? { sendLagUs: { meanUs: lags.meanUs, p99Us: lags.p99Us } } : {}),
    ...(merged.server ? { server: merged.server } : {}),
    clientCpuPercent: percentOfOneCore(merged.cpuUs),
    ...(merged.serverCpu
      ? {
        serverCpu: {
          processPercent: percentOfOneCore(merged.serverCpu.processUs),
          mainThreadPercent: percentOfOneCore(merged.serverCpu.mainThreadUs),
          threadsPercent: busiestThreadsUs(merged.serverCpu).map(percentOfOneCore),
        },
      }
      : {}),
    ...(merged.gpu ? { gpus: merged.gpu.figures() } : {}),
  };
}

export async function runSteps(options: StepRunOptions): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  let warmupMs = options.warmupMs;
  const threshold = options.latencyThreshold;
  const search = threshold && options.binarySearch ? binarySearch(options.levels) : linearSearch(options.levels);
  for (let next = search.next(); !next.done;) {
    const report = await runStep(options, next.value, warmupMs);
    if (report) reports.push(report);
    warmupMs = 0;
    if (!report || report.interrupted || options.transport.openConnections === 0) break;
    next = search.next(threshold !== undefined && exceeds(report, threshold));
  }
  return reports;
}

/** One step's report; undefined when the run was interrupted before its first window ended. */
async function runStep(options: StepRunOptions, level: number, warmupMs: number): Promise<StepReport | undefined> {
  const { transport, mode, signal } = options;
  let recorder = new WindowRecorder(performance.now(), options.serverPid, options.gpuTelemetry);
  const ctx = { transport, inputSets: options.inputSets, recorder: () => recorder, tap: options.tap, wantOutputs: options.wantOutputs };
  const driver: LoadDriver = mode === 'concurrency'
    ? new ClosedLoopDriver(ctx, level)
    : new OpenLoopDriver(ctx, new RequestSchedule(level, options.distribution, options.seed + level), options.maxInFlight);
  driver.start();
  if (warmupMs > 0) {
    await sleepUnlessStopped(transport, warmupMs, signal);
    recorder.rotate();
  }

  const windows: MeasurementWindow[] = [];
  const figures: WindowFigures[] = [];
  let stable = false;
  for (let trial = 1; trial <= options.maxTrials && !signal?.aborted; trial++) {
    await waitForWindow(options, () => recorder);
    transport.expire(performance.now() - options.requestTimeoutMs);
    const window = recorder.rotate();
    const latency = summarizeLatencies(window.latenciesUs.values());
    const figure = { inferPerSec: window.durationMs > 0 ? window.rows / (window.durationMs / 1000) : 0, p95Us: latency.p95Us };
    windows.push(window);
    figures.push(figure);
    options.onWindow?.({ mode, level, trial, window: { ...figure, p50Us: latency.p50Us, p99Us: latency.p99Us, errors: window.errors } });
    if (isStable(figures, options.stabilityTolerance, DEFAULT_STABILITY.windowCount)) {
      stable = true;
      break;
    }
    if (transport.openConnections === 0 || signal?.aborted) break;
  }
  driver.stop();

  // Answers that arrive from now on belong to no window.
  recorder = new WindowRecorder();
  const drainDeadlineMs = performance.now() + options.drainTimeoutMs;
  while (transport.pending > 0 && performance.now() < drainDeadlineMs) await sleep(5);
  transport.expire(Infinity);

  if (windows.length === 0) return undefined;
  const kept = windows.slice(-DEFAULT_STABILITY.windowCount);
  const merged = kept[0]!;
  for (const window of kept.slice(1)) merged.merge(window);
  const report = toStepReport(mode, level, merged, windows.length, stable);
  if (transport.openConnections === 0) report.connectionsLost = true;
  if (signal?.aborted) report.interrupted = true;
  return report;
}
