/**
 * An admitted request answers exactly once, counted out by its service before the reply
 * goes, and a reply that throws cannot cut short the batch that answers it.
 */
import { describe, expect, it } from 'vitest';
import { WsinferError } from '../../../src/errors.js';
import type { InferRequest } from '../../../src/protocol/infer-request.js';
import type { InferResult } from '../../../src/protocol/infer-response.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import { AdmittedInference, type AdmissionOwner, type InferReply } from '../../../src/server/admitted-inference.js';

const input: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array(6) };
const output: Tensor = { name: 'y', datatype: 'FP32', shape: [2, 1], data: new Float32Array([0.5, 0.25]) };
const timing = { queueUs: 12, computeUs: 340, batchSize: 8 };

function admitted(reply: InferReply, events: string[]): AdmittedInference {
  const owner: AdmissionOwner = {
    succeeded: (call) => events.push(`succeeded ${call.id}`),
    failed: (call, error) => events.push(`failed ${call.id} ${error.code}`),
  };
  const request: InferRequest = { id: 'r1', model: 'fraud', inputs: [input], parameters: { priority: 2, timeoutUs: 5_000, extra: {} }, binaryData: true };
  const validated = { inputs: [input], rows: 2, shapeKey: '3', outputNames: ['y'] };
  return new AdmittedInference(owner, request, validated, { version: undefined, arm: 'default' }, { model: 'fraud', version: '1' }, 0, undefined, reply);
}

describe('AdmittedInference', () => {
  it('carries what the batcher needs from the request', () => {
    const call = admitted({ result: () => {}, error: () => {} }, []);
    expect([call.id, call.rows, call.shapeKey, call.priority, call.timeoutUs]).toEqual(['r1', 2, '3', 2, 5_000]);
    expect(call.outputNames).toEqual(['y']);
  });

  it('is counted out, then answers once with the version that ran it', () => {
    const events: string[] = [];
    const results: InferResult[] = [];
    const call = admitted({ result: (r) => { events.push('result'); results.push(r); }, error: () => events.push('error') }, events);
    call.succeed([output], timing);
    call.succeed([output], timing);
    call.fail(new WsinferError('ERR_TIMEOUT'));
    expect(events).toEqual(['succeeded r1', 'result']);
    expect(results).toEqual([{ id: 'r1', model: 'fraud', version: '1', outputs: [output], timing }]);
  });

  it('fails once with the code it was given', () => {
    const events: string[] = [];
    const errors: unknown[] = [];
    const call = admitted({ result: () => events.push('result'), error: (e) => errors.push(e) }, events);
    call.fail(new WsinferError('ERR_TIMEOUT', 'queued too long'));
    call.succeed([output], timing);
    expect(events).toEqual(['failed r1 ERR_TIMEOUT']);
    expect((errors[0] as WsinferError).code).toBe('ERR_TIMEOUT');
  });

  it('turns a reply that throws into that reply\'s error, without throwing into the batch', () => {
    const errors: unknown[] = [];
    const broken = new Error('encoder gave up');
    const call = admitted({ result: () => { throw broken; }, error: (e) => errors.push(e) }, []);
    expect(() => call.succeed([output], timing)).not.toThrow();
    expect(errors).toEqual([broken]);
  });
});
