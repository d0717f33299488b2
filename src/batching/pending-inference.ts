/**
 * An admitted request on its way through a batcher to an instance: its validated inputs,
 * and the two ways it can end. Exactly one of succeed/fail is called, once.
 */
import type { WsinferError } from '../errors.js';
import type { InferTiming } from '../protocol/infer-response.js';
import type { Tensor } from '../protocol/tensor.js';
import type { BatchRequest } from './dynamic-batcher.js';

export interface PendingInference extends BatchRequest {
  readonly id: string;
  /** In the model's input order. */
  readonly inputs: Tensor[];
  readonly outputNames: string[];
  succeed(outputs: Tensor[], timing: InferTiming): void;
  fail(error: WsinferError): void;
}
