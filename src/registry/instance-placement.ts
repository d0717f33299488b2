/**
 * Placing one instance group at load, and choosing among a version's groups per batch.
 *
 * At load a `gpu`/`auto` group gets a fresh GPU snapshot, the placement decision
 * (gpu/placement.ts) and then a CUDA session on the chosen ordinal as a probe: the decision
 * can say a GPU has room while CUDA itself is unusable (no CUDA provider installed, a driver
 * mismatch), and the group's placement then says both. Without NVML the group tries CUDA
 * device `gpus[0] ?? 0` as before.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WsinferError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { CudaDeviceEnv } from '../gpu/cuda-visible-devices.js';
import type { GpuSnapshot } from '../gpu/gpu-snapshot.js';
import { type GpuPlacementDecision, type PlacedGpu, PLACEMENT_DEFAULTS, placeOnGpu } from '../gpu/placement.js';
import { type ExecutionProvider, openSessionFor } from '../runtime/session-factory.js';
import type { PoolChooser } from '../workers/batch-executor.js';
import { type DispatchRecorder, InstanceSelector, SPILL_DEFAULTS, type SpillPolicy, type TargetDevice } from '../workers/instance-selector.js';
import type { InstanceGroup } from './model-config.js';
import type { Placement } from './model-handle.js';
import type { LoaderContext } from './model-loader.js';

/** What the server knows about its GPUs, for placement and spill-over. */
export interface PlacementContext {
  /** Snapshots from NVML; absent when GPU sampling is off. */
  readonly sampler?: { sample(): Promise<GpuSnapshot>; readonly latest: GpuSnapshot | null };
  /** Device memory per instance as a multiple of the model's bytes on disk. */
  readonly memoryFactor: number;
  /** CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER as this process's CUDA sees them. */
  readonly cudaEnv: CudaDeviceEnv;
  readonly spill: SpillPolicy;
  /** Per loaded version, where its batch choices are counted. */
  readonly recorderFor?: (name: string, version: string) => DispatchRecorder;
}

const DEFAULT_CONTEXT: PlacementContext = Object.freeze({ memoryFactor: PLACEMENT_DEFAULTS.memoryFactor, cudaEnv: {}, spill: SPILL_DEFAULTS });

export interface PlacedGroup {
  executionProvider: ExecutionProvider;
  /** CUDA ordinal, when on CUDA. */
  deviceId?: number;
  device?: PlacedGpu;
  reason?: string;
}

/**
 * Where `group` runs. `auto` ends on CPU when no GPU can hold it or CUDA does not work;
 * `gpu` then fails with ERR_GPU_UNAVAILABLE and the same reason.
 */
export async function placeInstanceGroup(
  modelPath: string,
  group: InstanceGroup,
  groupIndex: number,
  ctx: LoaderContext,
  intraOpThreads: number,
  label: string,
): Promise<PlacedGroup> {
  if (group.kind === 'cpu') return { executionProvider: 'cpu' };
  const placement = ctx.placement ?? DEFAULT_CONTEXT;
  const snapshot = placement.sampler ? await placement.sampler.sample() : null;
  const modelBytes = await folderBytes(dirname(modelPath));
  const decision = placeOnGpu(snapshot, placement.cudaEnv, { count: group.count, gpus: group.gpus, modelBytes, memoryFactor: placement.memoryFactor });
  logNotesOnce(ctx.logger, decision);
  const where = `${label}: instance group ${groupIndex} (${group.kind}, ${group.count}×)`;

  if (decision.outcome === 'none') {
    if (group.kind === 'gpu') throw new WsinferError('ERR_GPU_UNAVAILABLE', decision.reason);
    const reason = `${decision.reason}; running on CPU`;
    ctx.logger.warn(`${where} runs on CPU: ${reason}`);
    return { executionProvider: 'cpu', reason };
  }

  const deviceId = decision.outcome === 'device' ? decision.device.cudaDeviceId : decision.cudaDeviceId;
  const chose = decision.outcome === 'device' ? `chose ${decision.reason}` : decision.reason;
  let probed;
  try {
    probed = await openSessionFor(modelPath, group.kind, { deviceId, intraOpThreads }, ctx.gpu.reason);
  } catch (error) {
    if (error instanceof WsinferError && error.code === 'ERR_GPU_UNAVAILABLE') throw new WsinferError(error.code, `${chose}; but ${error.message}`);
    throw error;
  }
  await probed.session.release();
  if (probed.fallbackReason) {
    const processWide = PROCESS_WIDE_CUDA_FAILURE.test(probed.fallbackReason);
    const reason = `${chose}; but ${probed.fallbackReason}; running on CPU`;
    // A process-wide cause (no CUDA libraries, no driver) is logged once by GpuAvailability;
    // each group's full reason stays in its metadata. Only a group-specific cause gets a line.
    if (processWide) ctx.gpu.markUnusable(probed.fallbackReason);
    else ctx.logger.warn(`${where} runs on CPU: ${reason}`);
    return { executionProvider: 'cpu', reason };
  }
  ctx.logger.info(`${where} on cuda:${deviceId}: ${decision.reason}`);
  return { executionProvider: 'cuda', deviceId, ...(decision.outcome === 'device' ? { device: decision.device } : {}), reason: decision.reason };
}

/**
 * A missing CUDA provider or driver fails on every device alike, so later groups skip the
 * attempt; anything else (out of memory on the chosen device) concerns this group only.
 */
const PROCESS_WIDE_CUDA_FAILURE = /shared library|cannot open|driver|no CUDA-capable device/i;

/** The placement record metadata and stats show. */
export function placementOf(group: InstanceGroup, placed: PlacedGroup): Placement {
  return {
    kind: group.kind,
    executionProvider: placed.executionProvider,
    ...(placed.deviceId === undefined ? {} : { deviceId: placed.deviceId }),
    count: group.count,
    ...(group.inline ? { inline: true } : {}),
    ...(placed.device ? { device: placed.device } : {}),
    ...(placed.reason === undefined ? {} : { reason: placed.reason }),
  };
}

/** Picks a pool per batch and counts where each went; pools are in `placements` order. */
export function poolChooserFor(placements: readonly Placement[], ctx: LoaderContext, name: string, version: string): PoolChooser {
  const placement = ctx.placement ?? DEFAULT_CONTEXT;
  const devices = placements.map((p): TargetDevice =>
    p.executionProvider === 'cuda'
      ? { device: `cuda:${p.deviceId ?? 0}`, gpu: true, ...(p.device ? { gpuUuid: p.device.migUuid ?? p.device.uuid } : {}) }
      : { device: 'cpu', gpu: false },
  );
  const selector = new InstanceSelector(devices, placement.spill, placement.sampler, placement.recorderFor?.(name, version));
  return selector.choose;
}

/**
 * Batches the batcher may have handed out at once beyond one per instance: with GPU and CPU
 * instances, up to `spill.queueBatches` may wait for a GPU instance.
 */
export function extraInFlightBatches(placements: readonly Placement[], ctx: LoaderContext): number {
  const mixed = placements.some((p) => p.executionProvider === 'cuda') && placements.some((p) => p.executionProvider === 'cpu');
  return mixed ? (ctx.placement ?? DEFAULT_CONTEXT).spill.queueBatches : 0;
}

/** model.onnx plus the external data files beside it. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(dir, entry.name))).size;
  }
  return total;
}

const loggedNotes = new WeakMap<Logger, Set<string>>();

function logNotesOnce(logger: Logger, decision: GpuPlacementDecision): void {
  let seen = loggedNotes.get(logger);
  if (!seen) {
    seen = new Set();
    loggedNotes.set(logger, seen);
  }
  for (const note of decision.notes) {
    if (seen.has(note)) continue;
    seen.add(note);
    logger.warn(`GPU placement: ${note}`);
  }
}
