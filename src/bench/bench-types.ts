/**
 * The shapes shared by the benchmark client's parts: what a transport reports per
 * request, what one measured step sums up to, and the whole report.
 */
import type { GpuStepFigures } from './gpu-telemetry.js';
import type { ThresholdOutcome } from './latency-threshold.js';
import type { Datatype, TensorData } from '../protocol/datatypes.js';
import type { LatencySummary } from './latency-stats.js';

/** The `timing` block of a reply. */
export interface ServerTiming {
  queueUs: number;
  computeUs: number;
  batchSize: number;
}

export interface BenchTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** The inputs of one request. */
export interface InputSet {
  tensors: BenchTensor[];
  /** Rows along dim 0 (1 for models that do not batch). */
  rows: number;
}

export type RequestOutcome =
  | { ok: true; timing: ServerTiming | undefined; recvUs: number; modelVersion?: string; outputs?: BenchTensor[] }
  | { ok: false; code: string };

export type DoneCallback = (outcome: RequestOutcome) => void;

/** One way of talking to a server (WebSocket, HTTP). */
export interface BenchTransport {
  readonly kind: 'ws' | 'http';
  /** Requests sent and not yet answered. */
  readonly pending: number;
  /** Connections still usable; 0 once the server is gone (the load then stops). */
  readonly openConnections: number;
  /**
   * Send one request built from input set `inputIndex`; `done` is called exactly once,
   * never synchronously. Returns the microseconds spent encoding and writing it.
   */
  send(inputIndex: number, done: DoneCallback, keepOutputs: boolean): number;
  /** Fail (ERR_CLIENT_TIMEOUT) every request sent before `cutoffMs` (performance.now()). */
  expire(cutoffMs: number): void;
  close(): Promise<void>;
}

export type LoadMode = 'concurrency' | 'rate';

/** Server-side figures averaged over the requests that carried a `timing` block. */
export interface ServerFigures {
  queueUs: number;
  computeUs: number;
  batchSize: number;
}

export interface StepReport {
  mode: LoadMode;
  /** Concurrency, or target requests/s. */
  level: number;
  windows: number;
  stable: boolean;
  /** --collect-metrics: what each GPU the server reports did during the step's kept windows. */
  gpus?: GpuStepFigures[];
  /** Every connection to the server closed during the step; the sweep stopped there. */
  connectionsLost?: true;
  /** The run was interrupted (Ctrl-C) during the step: its last window is cut short. */
  interrupted?: true;
  durationMs: number;
  completed: number;
  errors: number;
  errorsByCode: Record<string, number>;
  requestsPerSec: number;
  /** Inferences (rows) per second, perf_analyzer's meaning: requests × rows per request. */
  inferPerSec: number;
  latency: LatencySummary;
  clientSendUs: number;
  clientRecvUs: number;
  /** Open loop: how late requests left against their schedule. */
  sendLagUs?: { meanUs: number; p99Us: number };
  server?: ServerFigures;
  /** CPU time of the load generator's process, percent of one core. */
  clientCpuPercent: number;
  /**
   * CPU time of the server process (`--server-pid`, same machine), percent of one core:
   * all its threads, and its main thread (sockets, batching) alone.
   */
  serverCpu?: {
    processPercent: number;
    mainThreadPercent: number;
    /** Each thread's CPU time, busiest first (at most 8): a server's instances lead at saturation. */
    threadsPercent?: number[];
  };
}

export interface VerifyReport {
  checked: number;
  mismatched: number;
  /** First few mismatches, in words. */
  details: string[];
}

export interface BenchReport {
  url: string;
  protocol: 'ws' | 'http';
  model: string;
  version?: string;
  batch: number;
  inputs: Array<{ name: string; datatype: Datatype; shape: number[] }>;
  startedAt: string;
  measurementIntervalMs: number;
  /** Count windows: the answers each window waited for (measurementIntervalMs its least length). */
  measurementRequestCount?: number;
  steps: StepReport[];
  verify?: VerifyReport;
  /** --collect-metrics: where the GPU gauges came from, and why a scrape failed if one did. */
  metrics?: { url: string; intervalMs: number; failure?: string };
  /** With --latency-threshold: the highest load within it, and where the sweep stopped. */
  latencyThreshold?: ThresholdOutcome;
}
