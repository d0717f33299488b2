/**
 * Run a session on the calling thread now, not on the next turn of its event loop.
 *
 * onnxruntime-node's session.run() wraps its native call — which blocks the thread until
 * the outputs are ready — in `setImmediate`, so that a caller on the main thread gets its
 * promise back first. An instance's worker exists only to run batches, and there that
 * deferral is pure cost: every batch waits for an event-loop turn (a poll of the loop and
 * the port's wake-up signal), which measured 30–40 µs per batch on the benchmark machine
 * against a 10 µs run of fraud (BENCHMARKS.md, "What we changed").
 *
 * For the duration of the synchronous part of session.run, `setImmediate` calls back at
 * once; the native run then happens inside it and the returned promise is already
 * settled. Only onnxruntime's own code runs in that window. Were a later onnxruntime-node
 * to stop deferring this way, the stand-in would simply go unused.
 */
import type * as ort from 'onnxruntime-node';

type Immediate = typeof globalThis.setImmediate;

const runAtOnce = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
  callback(...args);
  return undefined;
}) as unknown as Immediate;

export function runInPlace(
  session: ort.InferenceSession,
  feeds: ort.InferenceSession.FeedsType,
  outputNames: readonly string[],
): Promise<ort.InferenceSession.ReturnType> {
  const deferred = globalThis.setImmediate;
  globalThis.setImmediate = runAtOnce;
  try {
    return session.run(feeds, outputNames);
  } finally {
    globalThis.setImmediate = deferred;
  }
}
