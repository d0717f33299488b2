/**
 * The one path every inference takes, whichever door it came in by (WebSocket or HTTP):
 * resolve the model, check the inputs, admit into the model's batcher, await the answer,
 * count it. Requests for the same model from both doors land in the same batcher.
 */
import type { PendingInference } from '../batching/pending-inference.js';
import { type ErrorCode, WsinferError, toErrorPayload } from '../errors.js';
import type { InferRequest } from '../protocol/infer-request.js';
import type { InferResult, InferTiming } from '../protocol/infer-response.js';
import type { Tensor } from '../protocol/tensor.js';
import type { InferenceMetrics } from '../metrics/inference-metrics.js';
import { type Outcome, UNKNOWN_MODEL_LABEL } from '../metrics/metric-names.js';
import { validateInputs } from '../registry/input-validator.js';
import type { ModelHandle } from '../registry/model-handle.js';
import type { ModelRegistry } from '../registry/model-registry.js';

const REJECTED: ReadonlySet<ErrorCode> = new Set([
  'ERR_QUEUE_FULL', 'ERR_INPUT_INVALID', 'ERR_MODEL_NOT_FOUND', 'ERR_MODEL_NOT_READY',
  'ERR_SHUTTING_DOWN', 'ERR_TOO_MANY_IN_FLIGHT', 'ERR_PROTO_MALFORMED',
]);

function outcomeOf(code: ErrorCode): Outcome {
  if (code === 'ERR_TIMEOUT') return 'timeout';
  return REJECTED.has(code) ? 'rejected' : 'error';
}

export class InferenceService {
  private accepting = true;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly registry: ModelRegistry,
    readonly metrics: InferenceMetrics,
  ) {}

  /** Requests admitted and not yet answered, across all models. */
  get pending(): number {
    return this.inFlight;
  }

  async infer(request: InferRequest): Promise<InferResult> {
    const startedMs = performance.now();
    let handle: ModelHandle;
    try {
      if (!this.accepting) throw new WsinferError('ERR_SHUTTING_DOWN');
      handle = this.registry.resolve(request.model, request.version);
    } catch (error) {
      const known = this.registry.versionsOf(request.model) !== undefined;
      const labels = { model: known ? request.model : UNKNOWN_MODEL_LABEL, version: known ? (request.version ?? '') : '' };
      this.metrics.finished(labels, outcomeOf(toErrorPayload(error).code), (performance.now() - startedMs) * 1000, false);
      throw error;
    }
    const labels = { model: handle.name, version: handle.version };
    let admitted = false;
    try {
      const validated = validateInputs(request, handle.signature, handle.config.maxBatchSize);
      let settle!: { resolve: (value: { outputs: Tensor[]; timing: InferTiming }) => void; reject: (error: WsinferError) => void };
      const answer = new Promise<{ outputs: Tensor[]; timing: InferTiming }>((resolve, reject) => {
        settle = { resolve, reject };
      });
      const pending: PendingInference = {
        id: request.id,
        rows: validated.rows,
        shapeKey: validated.shapeKey,
        priority: request.parameters.priority,
        timeoutUs: request.parameters.timeoutUs,
        inputs: validated.inputs,
        outputNames: validated.outputNames,
        succeed: (outputs, timing) => settle.resolve({ outputs, timing }),
        fail: (error) => settle.reject(error),
      };
      handle.submit(pending);
      admitted = true;
      this.metrics.admitted(labels);
      this.inFlight++;
      const { outputs, timing } = await answer;
      this.metrics.finished(labels, 'success', (performance.now() - startedMs) * 1000, true, timing);
      return { id: request.id, model: handle.name, version: handle.version, outputs, timing };
    } catch (error) {
      this.metrics.finished(labels, outcomeOf(toErrorPayload(error).code), (performance.now() - startedMs) * 1000, admitted);
      throw error;
    } finally {
      if (admitted && --this.inFlight === 0) this.releaseIdleWaiters();
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
