/**
 * A loaded model version: its effective config and signature, where its instances run,
 * and the batcher that feeds them. What the server resolves a request's model name to.
 */
import { WsinferError } from '../errors.js';
import type { DynamicBatcher } from '../batching/dynamic-batcher.js';
import type { PendingInference } from '../batching/pending-inference.js';
import type { PlacedGpu } from '../gpu/placement.js';
import type { ExecutionProvider, InstanceKind } from '../runtime/session-factory.js';
import type { ModelInstances } from '../workers/model-instances.js';
import type { ModelConfig } from './model-config.js';
import type { ModelSignature } from './model-signature.js';

/** Triton's model states. */
export type ModelState = 'loading' | 'ready' | 'unloading' | 'unavailable';

export interface Placement {
  kind: InstanceKind;
  executionProvider: ExecutionProvider;
  /** CUDA device ordinal, for instances on a GPU. */
  deviceId?: number;
  count: number;
  /** The instance runs on the socket thread (`"inline": true`). */
  inline?: boolean;
  /** The GPU or MIG instance NVML placed the group on (gpu/auto groups on CUDA). */
  device?: PlacedGpu;
  /** Why the group runs where it does (gpu/auto groups). */
  reason?: string;
  /** CPU instances that map one copy of the weights (runtime/shared-weights.ts) rather than each holding its own. */
  sharedWeights?: boolean;
}

export class ModelHandle {
  state: ModelState = 'ready';
  /** The metric labels of every request this version answers, built once. */
  readonly labels: { readonly model: string; readonly version: string };

  constructor(
    readonly name: string,
    readonly version: string,
    readonly config: Readonly<ModelConfig>,
    readonly signature: ModelSignature,
    readonly placements: Placement[],
    private readonly batcher: DynamicBatcher<PendingInference>,
    private readonly pools: ModelInstances[],
    /** Runs once the instances have stopped: removes what they alone needed (the shared weights' files). */
    private readonly afterUnload: () => Promise<void> = async () => {},
  ) {
    this.labels = Object.freeze({ model: name, version });
  }

  get batchable(): boolean {
    return this.config.maxBatchSize > 0;
  }

  /** Requests admitted and not yet dispatched. */
  get queued(): number {
    return this.batcher.queued;
  }

  get batchesInFlight(): number {
    return this.batcher.batchesInFlight;
  }

  /** Admit a request: throws ERR_MODEL_NOT_READY / ERR_QUEUE_FULL instead of queueing. */
  submit(request: PendingInference): void {
    if (this.state !== 'ready') throw new WsinferError('ERR_MODEL_NOT_READY', `model '${this.name}' version ${this.version} is ${this.state}`);
    this.batcher.submit(request);
  }

  /** Stop admitting, answer everything admitted, then stop the instances. */
  async unload(): Promise<void> {
    if (this.state === 'unavailable') return;
    this.state = 'unloading';
    await this.batcher.drain();
    await Promise.all(this.pools.map((pool) => pool.close()));
    await this.afterUnload();
    this.state = 'unavailable';
  }
}
