/**
 * The one path every inference takes, whichever door it came in by (WebSocket or HTTP):
 * resolve the model, check the inputs, admit into the model's batcher, await the answer,
 * count it. Requests for the same model from both doors land in the same batcher.
 */
import type { PendingInference } from '../batching/pending-inference.js';
import { type ErrorCode, WsinferError, toErrorPayload } from '../errors.js';
import type { InferRequest } from '../protocol/infer-request.js';
import type { InferResult, InferTiming } from '../protocol/infer-response.js';
import { AdmittedInference, type AdmissionOwner, type InferReply } from './admitted-inference.js';
import type { Tensor } from '../protocol/tensor.js';
import type { InferenceMetrics } from '../metrics/inference-metrics.js';
import { type Outcome, UNKNOWN_MODEL_LABEL } from '../metrics/metric-names.js';
import { type ValidatedInputs, validateInputs } from '../registry/input-validator.js';
import type { ModelHandle } from '../registry/model-handle.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { RolloutMetrics } from '../metrics/rollout-metrics.js';
import type { RolloutManager, RouteDecision } from '../rollout/rollout-manager.js';
import { compareOutputs } from '../rollout/shadow-comparison.js';

const REJECTED: ReadonlySet<ErrorCode> = new Set([
  'ERR_QUEUE_FULL', 'ERR_INPUT_INVALID', 'ERR_MODEL_NOT_FOUND', 'ERR_MODEL_NOT_READY',
  'ERR_SHUTTING_DOWN', 'ERR_TOO_MANY_IN_FLIGHT', 'ERR_PROTO_MALFORMED',
]);

function outcomeOf(code: ErrorCode): Outcome {
  if (code === 'ERR_TIMEOUT') return 'timeout';
  return REJECTED.has(code) ? 'rejected' : 'error';
}

/** Where a request came from, for sticky routing when it names no sticky key. */
export interface RequestContext {
  connectionKey?: string;
}

type Answer = { outputs: Tensor[]; timing: InferTiming };

/** Load shedding says nothing about a version's health; the canary guard ignores it. */
const SHED: ReadonlySet<ErrorCode> = new Set(['ERR_QUEUE_FULL', 'ERR_TOO_MANY_IN_FLIGHT', 'ERR_SHUTTING_DOWN']);

function cloneTensor(tensor: Tensor): Tensor {
  return { name: tensor.name, datatype: tensor.datatype, shape: [...tensor.shape], data: tensor.data.slice() as Tensor['data'] };
}

export class InferenceService implements AdmissionOwner {
  private accepting = true;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly registry: ModelRegistry,
    readonly metrics: InferenceMetrics,
    readonly rollouts?: RolloutManager,
    private readonly rolloutMetrics?: RolloutMetrics,
  ) {}

  /** Requests admitted and not yet answered, across all models. */
  get pending(): number {
    return this.inFlight;
  }

  /** The answer as a promise (HTTP); the WebSocket path calls start with its own reply. */
  infer(request: InferRequest, context: RequestContext = {}): Promise<InferResult> {
    return new Promise((resolve, reject) => this.start(request, context, { result: resolve, error: reject }));
  }

  /**
   * Route, check and admit one request; `reply` hears exactly once how it ended. A request
   * refused before admission is answered before this returns; an admitted one when its
   * batch finishes.
   */
  start(request: InferRequest, context: RequestContext, reply: InferReply): void {
    const startedMs = performance.now();
    let handle: ModelHandle;
    let decision: RouteDecision;
    try {
      if (!this.accepting) throw new WsinferError('ERR_SHUTTING_DOWN');
      decision = this.rollouts?.route(request.model, request.version, request.parameters.extra, context.connectionKey) ??
        { version: request.version, arm: request.version === undefined ? 'default' : 'pinned' };
      handle = this.registry.resolve(request.model, decision.version);
    } catch (error) {
      const known = this.registry.versionsOf(request.model) !== undefined;
      const labels = { model: known ? request.model : UNKNOWN_MODEL_LABEL, version: known ? (request.version ?? '') : '' };
      this.metrics.finished(labels, outcomeOf(toErrorPayload(error).code), (performance.now() - startedMs) * 1000, false);
      reply.error(error);
      return;
    }
    const labels = handle.labels;
    try {
      const validated = validateInputs(request, handle.signature, handle.config.maxBatchSize);
      // Inputs may be transferred to a worker; the shadow needs its own copy.
      // (Never mirror to the version that answers: with an unready default, the highest ready may be the shadow.)
      const shadowInputs = decision.shadowVersion && decision.shadowVersion !== handle.version ? validated.inputs.map(cloneTensor) : undefined;
      handle.submit(new AdmittedInference(this, request, validated, decision, labels, startedMs, shadowInputs, reply));
    } catch (error) {
      const { code } = toErrorPayload(error);
      const totalUs = (performance.now() - startedMs) * 1000;
      this.metrics.finished(labels, outcomeOf(code), totalUs, false);
      if (!SHED.has(code)) this.rollouts?.observe(handle.name, request.id, decision, handle.version, totalUs, true);
      reply.error(error);
      return;
    }
    this.metrics.admitted(labels);
    this.inFlight++;
  }

  /** An admitted request's batch ran: count it out (AdmittedInference replies after this). */
  succeeded(call: AdmittedInference, outputs: Tensor[], timing: InferTiming): void {
    const totalUs = (performance.now() - call.startedMs) * 1000;
    this.metrics.finished(call.labels, 'success', totalUs, true, timing);
    this.rollouts?.observe(call.labels.model, call.id, call.decision, call.labels.version, totalUs, false);
    if (call.shadowInputs) void this.mirror(call.request, call.decision.shadowVersion!, call.shadowInputs, outputs);
    this.countedOut();
  }

  failed(call: AdmittedInference, error: WsinferError): void {
    const { code } = toErrorPayload(error);
    const totalUs = (performance.now() - call.startedMs) * 1000;
    this.metrics.finished(call.labels, outcomeOf(code), totalUs, true);
    if (!SHED.has(code)) this.rollouts?.observe(call.labels.model, call.id, call.decision, call.labels.version, totalUs, true);
    this.countedOut();
  }

  private countedOut(): void {
    if (--this.inFlight === 0) this.releaseIdleWaiters();
  }

  /** Admit validated inputs into a version's batcher (throws at once if it cannot). */
  private submit(handle: ModelHandle, id: string, validated: ValidatedInputs, priority: number | undefined, timeoutUs: number | undefined): Promise<Answer> {
    let settle!: { resolve: (value: Answer) => void; reject: (error: WsinferError) => void };
    const answer = new Promise<Answer>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const pending: PendingInference = {
      id,
      rows: validated.rows,
      shapeKey: validated.shapeKey,
      priority,
      timeoutUs,
      inputs: validated.inputs,
      outputNames: validated.outputNames,
      succeed: (outputs, timing) => settle.resolve({ outputs, timing }),
      fail: (error) => settle.reject(error),
    };
    handle.submit(pending);
    return answer;
  }

  /**
   * Run a copy on the shadow version after the primary answered. The client never waits
   * for it; shadows queue at the lowest priority so they never delay real traffic.
   */
  private async mirror(request: InferRequest, version: string, inputs: Tensor[], primary: Tensor[]): Promise<void> {
    const startedMs = performance.now();
    try {
      const handle = this.registry.resolve(request.model, version);
      const validated = validateInputs({ ...request, inputs, outputs: primary.map((t) => t.name) }, handle.signature, handle.config.maxBatchSize);
      const { outputs } = await this.submit(handle, `${request.id}#shadow`, validated, handle.config.dynamicBatching.priorityLevels, undefined);
      this.rolloutMetrics?.shadowFinished(request.model, version, (performance.now() - startedMs) * 1000, 'success', compareOutputs(primary, outputs));
    } catch {
      this.rolloutMetrics?.shadowFinished(request.model, version, (performance.now() - startedMs) * 1000, 'error');
    }
  }

  /** Refuse new requests (ERR_SHUTTING_DOWN); resolve when every admitted one is answered. */
  stopAccepting(): Promise<void> {
    this.accepting = false;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
