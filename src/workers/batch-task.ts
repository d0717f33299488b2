/**
 * What crosses the thread boundary between the batcher and an instance worker. Plain data
 * only: structured clone drops an Error's `code` on Node 20, so failures travel as codes.
 */
import type { ErrorCode } from '../errors.js';
import type { OrtType, TensorData } from '../protocol/datatypes.js';
import type { SessionSettings } from '../runtime/session-factory.js';
import type { ModelSignature } from '../registry/model-signature.js';

export interface WorkerTensor {
  name: string;
  type: OrtType;
  dims: number[];
  data: TensorData;
}

export interface BatchTask {
  inputs: WorkerTensor[];
  outputNames: string[];
}

export type BatchTaskResult =
  | { ok: true; outputs: WorkerTensor[]; computeUs: number }
  | { ok: false; code: ErrorCode; message: string };

/** Sent once per worker on the pool's BroadcastChannel when its session is ready (or not). */
export type InstanceReport =
  | { threadId: number; ok: true; loadMs: number; warmupMs: number }
  | { threadId: number; ok: false; code: ErrorCode; message: string };

export interface SpinSettings {
  /** The SpinGate's shared cells. */
  gate: SharedArrayBuffer;
  /** How long a thread polls after a batch before it sleeps. */
  windowMs: number;
}

export interface InstanceWorkerData {
  modelPath: string;
  settings: SessionSettings;
  signature: ModelSignature;
  /** Dim-0 sizes to run once before the instance reports ready; [] = no warm-up. */
  warmupBatchSizes: number[];
  batchable: boolean;
  reportChannel: string;
  /** Poll for the next batch instead of sleeping, where the gate allows (spin-gate.ts). */
  spin?: SpinSettings;
  /** Set only by tests: the worker thread exits when handed a batch of this many rows. */
  exitOnBatchRows?: number;
  /** Under tsx (tests, dev), the .ts module the trampoline loads. */
  tsEntry?: string;
}
