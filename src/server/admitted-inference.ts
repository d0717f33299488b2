/**
 * One request from admission to answer, as a single object: what the batcher needs
 * (PendingInference) and what the answer needs (route, labels, start time, the reply).
 * The batcher calls succeed or fail once; either one has the service count the request
 * and then replies at once, in the same turn, so the socket thread builds no promise or
 * async frame per request.
 */
import type { PendingInference } from '../batching/pending-inference.js';
import type { WsinferError } from '../errors.js';
import type { InferRequest } from '../protocol/infer-request.js';
import type { InferResult, InferTiming } from '../protocol/infer-response.js';
import type { Tensor } from '../protocol/tensor.js';
import type { ValidatedInputs } from '../registry/input-validator.js';
import type { RouteDecision } from '../rollout/rollout-manager.js';

/** Where an answer goes: exactly one of the two is called, once. */
export interface InferReply {
  result(result: InferResult): void;
  error(error: unknown): void;
}

/** The service that admitted a request: counts it out before it is answered. */
export interface AdmissionOwner {
  succeeded(call: AdmittedInference, outputs: Tensor[], timing: InferTiming): void;
  failed(call: AdmittedInference, error: WsinferError): void;
}

export class AdmittedInference implements PendingInference {
  readonly id: string;
  readonly rows: number;
  readonly shapeKey: string;
  readonly priority: number | undefined;
  readonly timeoutUs: number | undefined;
  readonly inputs: Tensor[];
  readonly outputNames: string[];
  private settled = false;

  constructor(
    private readonly owner: AdmissionOwner,
    readonly request: InferRequest,
    validated: ValidatedInputs,
    readonly decision: RouteDecision,
    readonly labels: { readonly model: string; readonly version: string },
    readonly startedMs: number,
    /** Copies for the shadow version, taken before the inputs can be transferred. */
    readonly shadowInputs: Tensor[] | undefined,
    private readonly reply: InferReply,
  ) {
    this.id = request.id;
    this.rows = validated.rows;
    this.shapeKey = validated.shapeKey;
    this.priority = request.parameters.priority;
    this.timeoutUs = request.parameters.timeoutUs;
    this.inputs = validated.inputs;
    this.outputNames = validated.outputNames;
  }

  succeed(outputs: Tensor[], timing: InferTiming): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.succeeded(this, outputs, timing);
    const { id, labels } = this;
    // The batcher answers a whole batch in one loop: one reply that throws must not cut it short.
    try {
      this.reply.result({ id, model: labels.model, version: labels.version, outputs, timing });
    } catch (error) {
      this.reply.error(error);
    }
  }

  fail(error: WsinferError): void {
    if (this.settled) return;
    this.settled = true;
    this.owner.failed(this, error);
    this.reply.error(error);
  }
}
