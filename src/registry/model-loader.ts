/**
 * Loading one model version: read its signature, settle its config, decide where each
 * instance group runs (CUDA or CPU), start the instances (which warm up before they say
 * ready), and put a batcher in front of them.
 */
import { DynamicBatcher } from '../batching/dynamic-batcher.js';
import type { PendingInference } from '../batching/pending-inference.js';
import { WsinferError } from '../errors.js';
import type { Logger } from '../logger.js';
import { openSessionFor } from '../runtime/session-factory.js';
import { type ProbeWithSharedWeights, type SharedWeights, openProbeWithSharedWeights } from '../runtime/shared-weights.js';
import { type BatchObserver, BatchExecutor } from '../workers/batch-executor.js';
import { InlineInstance } from '../workers/inline-instance.js';
import { InstancePool } from '../workers/instance-pool.js';
import type { ModelInstances } from '../workers/model-instances.js';
import type { SpinSettings } from '../workers/batch-task.js';
import { type PlacementContext, extraInFlightBatches, placeInstanceGroup, placementOf, poolChooserFor } from './instance-placement.js';
import { checkSample, verifyVersion } from '../lifecycle/index.js';
import { resolveModelConfig, shareWeightsSetting } from './model-config.js';
import { ModelHandle, type Placement } from './model-handle.js';
import { type ModelFolder, modelFile } from './model-repository.js';
import { type ModelSignature, signatureOf } from './model-signature.js';

/**
 * Whether CUDA works in this process, learned from the first model that tries it. The
 * answer does not change while the process runs, so later models skip the attempt and
 * the reason is logged once.
 */
export class GpuAvailability {
  reason: string | undefined;
  private logged = false;

  constructor(private readonly logger: Logger, initialReason?: string) {
    this.reason = initialReason;
  }

  markUnusable(reason: string): void {
    this.reason ??= reason;
    if (!this.logged) {
      this.logged = true;
      this.logger.warn(`GPU not used: ${this.reason}. Models with instance kind 'auto' run on CPU; kind 'gpu' fails to load (ERR_GPU_UNAVAILABLE).`);
    }
  }
}

export interface LoaderContext {
  logger: Logger;
  gpu: GpuAvailability;
  loadTimeoutMs: number;
  /** Test hook passed to workers: exit when handed a batch of this many rows. */
  exitOnBatchRows?: number;
  /** Per loaded version, the observer its executor reports batches to. */
  observerFor?: (name: string, version: string) => BatchObserver | undefined;
  /** Instances poll for their next batch where the gate allows; absent: they sleep at once. */
  spin?: SpinSettings;
  /** GPU snapshots, memory estimate and spill-over policy; absent: CUDA device 0 unchecked, no spill-over. */
  placement?: PlacementContext;
}

export async function loadModelVersion(folder: ModelFolder, version: string, ctx: LoaderContext): Promise<ModelHandle> {
  if (folder.configError) throw folder.configError;
  const path = modelFile(folder, version);
  const label = `model '${folder.name}' version ${version}`;
  // A packaged version must be the bytes it was packaged from and still give its sample's
  // answers; otherwise it is refused and whatever served before keeps serving.
  const verified = await verifyVersion(folder.dir, version);
  if (!verified.ok) throw new WsinferError('ERR_MANIFEST_MISMATCH', `${label} does not match its manifest: ${verified.problems.join('; ')}`);

  // The probe reads the signature (and checks a packaged version's sample); as it
  // optimises, it also writes the weights the CPU instances will share.
  const shareWeights = shareWeightsSetting(folder.name, (folder.rawConfig as { shareWeights?: unknown } | undefined)?.shareWeights);
  let signature;
  let shared: SharedWeights | undefined;
  try {
    const probe: ProbeWithSharedWeights = shareWeights
      ? await openProbeWithSharedWeights(path, { deviceId: 0, intraOpThreads: 1 })
      : { session: (await openSessionFor(path, 'cpu', { deviceId: 0, intraOpThreads: 1 })).session };
    shared = probe.shared;
    if (probe.reason) ctx.logger.info(`${label}: each CPU instance holds its own weights: ${probe.reason}`);
    try {
      signature = signatureOf(probe.session);
      if (verified.manifest) {
        const sample = await checkSample(probe.session, verified.manifest);
        if (!sample.ok) throw new WsinferError('ERR_MANIFEST_MISMATCH', `${label} does not reproduce its manifest's sample: ${sample.problems.join('; ')}`);
      }
    } finally {
      await probe.session.release();
    }
  } catch (error) {
    await shared?.dispose();
    if (error instanceof WsinferError) throw error;
    throw new WsinferError('ERR_MODEL_LOAD_FAILED', `model '${folder.name}' version ${version}: ${(error as Error).message}`);
  }
  try {
    return await startInstances(folder, version, path, signature, shared, ctx);
  } catch (error) {
    await shared?.dispose();
    throw error;
  }
}

async function startInstances(
  folder: ModelFolder,
  version: string,
  path: string,
  signature: ModelSignature,
  shared: SharedWeights | undefined,
  ctx: LoaderContext,
): Promise<ModelHandle> {
  const config = resolveModelConfig(folder.name, folder.rawConfig, signature);
  const batchable = config.maxBatchSize > 0;

  const placements: Placement[] = [];
  const pools: ModelInstances[] = [];
  try {
    for (const [groupIndex, group] of config.instanceGroup.entries()) {
      try {
        const placed = await placeInstanceGroup(path, group, groupIndex, ctx, config.intraOpThreads, `model '${folder.name}' version ${version}`);
        const { executionProvider, deviceId } = placed;
        // Sessions on a GPU keep their weights in device memory: they open the original file.
        const sharedPath = executionProvider === 'cpu' ? shared?.modelPath : undefined;
        const instance = {
          modelPath: sharedPath ?? path,
          settings: { executionProvider, deviceId: deviceId ?? 0, intraOpThreads: config.intraOpThreads },
          signature,
          batchable,
          warmupBatchSizes: config.warmup.batchSizes,
          spin: ctx.spin,
        };
        const pool = group.inline
          ? await InlineInstance.start(instance)
          : await InstancePool.start({
              ...instance,
              count: group.count,
              loadTimeoutMs: ctx.loadTimeoutMs,
              exitOnBatchRows: ctx.exitOnBatchRows,
              onReplacement: (report) => ctx.logger.warn(`model '${folder.name}' version ${version}: replacement instance ${report.ok ? 'ready' : `failed: ${report.message}`}`),
            });
        pools.push(pool);
        placements.push({ ...placementOf(group, placed), ...(executionProvider === 'cpu' ? { sharedWeights: sharedPath !== undefined } : {}) });
      } catch (error) {
        if (error instanceof WsinferError) throw error;
        throw new WsinferError('ERR_MODEL_LOAD_FAILED', `model '${folder.name}' version ${version}: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    await Promise.all(pools.map((pool) => pool.close()));
    throw error;
  }
  // No instance opens the shared graph (all on a GPU): its files are not needed.
  if (shared && !placements.some((p) => p.sharedWeights)) {
    await shared.dispose();
    shared = undefined;
  }

  const executor = new BatchExecutor(pools, signature, batchable, ctx.observerFor?.(folder.name, version), poolChooserFor(placements, ctx, folder.name, version));
  const { dynamicBatching: batching } = config;
  const batcher = new DynamicBatcher<PendingInference>({
    maxBatchSize: config.maxBatchSize,
    preferredBatchSizes: batching.preferredBatchSizes,
    maxQueueDelayUs: batching.maxQueueDelayUs,
    maxQueueSize: batching.maxQueueSize,
    defaultTimeoutUs: batching.defaultTimeoutUs,
    priorityLevels: batching.priorityLevels,
    defaultPriorityLevel: batching.defaultPriorityLevel,
    maxInFlightBatches: pools.reduce((sum, pool) => sum + pool.count, 0) + extraInFlightBatches(placements, ctx),
    dispatchAfterReads: placements.some((p) => p.inline),
  }, executor.run);
  const afterUnload = shared ? shared.dispose : undefined;
  return new ModelHandle(folder.name, version, config, signature, placements, batcher, pools, afterUnload);
}
