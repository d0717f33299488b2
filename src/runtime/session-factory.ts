/**
 * Creating onnxruntime sessions on the CUDA or CPU execution provider.
 *
 * Without the CUDA EP libraries (the default `npm ci`, which skips onnxruntime-node's
 * download), asking for `cuda` is a hard error ("Failed to load shared library"), not a
 * fallback — so the fallback to CPU is ours, and it says why.
 */
import type * as ort from 'onnxruntime-node';
import { WsinferError } from '../errors.js';
import { onnxruntime } from './onnxruntime.js';

const ORT_LOG_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;
type OrtLogLevel = (typeof ORT_LOG_LEVELS)[number];
const requestedLevel = process.env.WSINFER_ORT_LOG_LEVEL as OrtLogLevel | undefined;
// onnxruntime prints its own errors to stderr, e.g. a multi-line one for every CUDA attempt
// without the CUDA libraries. Failures reach wsinfer as exceptions and are logged once, in
// its words; WSINFER_ORT_LOG_LEVEL=warning (or lower) shows onnxruntime's own lines again.
onnxruntime.env.logLevel = requestedLevel && ORT_LOG_LEVELS.includes(requestedLevel) ? requestedLevel : 'fatal';

export type InstanceKind = 'auto' | 'gpu' | 'cpu';
export type ExecutionProvider = 'cuda' | 'cpu';

export interface SessionSettings {
  executionProvider: ExecutionProvider;
  /** CUDA device ordinal as onnxruntime sees it (after CUDA_VISIBLE_DEVICES). */
  deviceId: number;
  /** One thread per worker by default: workers, not intra-op threads, use the cores. */
  intraOpThreads: number;
}

export function sessionOptions(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const executionProviders: ort.InferenceSession.ExecutionProviderConfig[] =
    settings.executionProvider === 'cuda' ? [{ name: 'cuda', deviceId: settings.deviceId }] : ['cpu'];
  return {
    executionProviders,
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // The CPU arena keeps every buffer a run ever needed, sized to the largest batch, for
    // the session's life: with the heap trimmed after warm-up (heap-trim.ts), an instance
    // of medium costs about 6 MiB less without it, and batch run times did not change
    // measurably (fraud, cnn, medium; BENCHMARKS.md, "What we changed").
    enableCpuMemArena: false,
    logSeverityLevel: 3,
  };
}

export function createSession(modelPath: string, settings: SessionSettings): Promise<ort.InferenceSession> {
  return onnxruntime.InferenceSession.create(modelPath, sessionOptions(settings));
}

export interface ProbedSession {
  session: ort.InferenceSession;
  executionProvider: ExecutionProvider;
  /** Why the GPU was not used, when `auto` fell back to CPU. */
  fallbackReason?: string;
}

/**
 * Open a session the way an instance group of `kind` asks: `gpu` must get CUDA
 * (else ERR_GPU_UNAVAILABLE), `auto` takes CUDA when it works and CPU otherwise.
 * `gpuUnusableReason` short-circuits the CUDA attempt when it is already known to fail.
 */
export async function openSessionFor(
  modelPath: string,
  kind: InstanceKind,
  base: Omit<SessionSettings, 'executionProvider'>,
  gpuUnusableReason?: string,
): Promise<ProbedSession> {
  if (kind === 'cpu') {
    return { session: await createSession(modelPath, { ...base, executionProvider: 'cpu' }), executionProvider: 'cpu' };
  }
  let reason = gpuUnusableReason;
  if (reason === undefined) {
    try {
      const session = await createSession(modelPath, { ...base, executionProvider: 'cuda' });
      return { session, executionProvider: 'cuda' };
    } catch (error) {
      reason = `CUDA execution provider unavailable: ${firstLine((error as Error).message)}`;
    }
  }
  if (kind === 'gpu') throw new WsinferError('ERR_GPU_UNAVAILABLE', reason);
  const session = await createSession(modelPath, { ...base, executionProvider: 'cpu' });
  return { session, executionProvider: 'cpu', fallbackReason: reason };
}

/** The first non-empty line of an error message, at most 300 characters. */
export function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
