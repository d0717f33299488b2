/**
 * The graph the limit runs: the one wsinfer's CPU instances open. wsinfer loads each model
 * through a probe that writes the optimised graph with its prepacked weights to a file the
 * instances map (src/runtime/shared-weights.ts); the limit's sessions open the same kind of
 * file, so a difference between them is the serving, not the graph or where its weights
 * live. The naive peer keeps the model file as given: it is what a user writes.
 */
import { openProbeWithSharedWeights } from '../../src/runtime/shared-weights.js';

export interface LimitGraph {
  /** What the limit's sessions (and the echo server running the model in place) open. */
  readonly path: string;
  /** Whether that is the shared-weights graph; false: the model file, and why is in `reason`. */
  readonly sharedWeights: boolean;
  readonly reason?: string;
  dispose(): Promise<void>;
}

export async function prepareLimitGraph(modelPath: string): Promise<LimitGraph> {
  const probe = await openProbeWithSharedWeights(modelPath, { deviceId: 0, intraOpThreads: 1 });
  await probe.session.release();
  if (!probe.shared) return { path: modelPath, sharedWeights: false, reason: probe.reason, dispose: async () => {} };
  return { path: probe.shared.modelPath, sharedWeights: true, dispose: probe.shared.dispose };
}
