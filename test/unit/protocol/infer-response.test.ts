/**
 * What a client reads back: the WS result (raw bytes or value arrays, mirroring the
 * request), the WS error, and the OIP bodies.
 */
import { describe, expect, it } from 'vitest';
import { decodeMsgpack, encodeMsgpack } from '../../../src/protocol/frame-codec.js';
import { type InferResult, encodeOipError, encodeOipResult, encodeWsError, encodeWsResult } from '../../../src/protocol/infer-response.js';

function resultWith(outputs: InferResult['outputs']): InferResult {
  return { id: 'r1', model: 'mlp', version: '2', outputs, timing: { queueUs: 120, computeUs: 450, batchSize: 4 } };
}

const fp32 = { name: 'y', datatype: 'FP32' as const, shape: [1, 2], data: new Float32Array([0.5, -1]) };
const bool = { name: 'mask', datatype: 'BOOL' as const, shape: [3], data: new Uint8Array([1, 0, 1]) };
const int64 = { name: 'ids', datatype: 'INT64' as const, shape: [2], data: new BigInt64Array([3n, -4n]) };
const bytes = { name: 'text', datatype: 'BYTES' as const, shape: [2], data: ['a', 'bc'] };

describe('encodeWsResult', () => {
  it('carries id, model, version and timing in wire names', () => {
    const wire = encodeWsResult(resultWith([fp32]), false);
    expect(wire).toMatchObject({
      op: 'result',
      id: 'r1',
      model_name: 'mlp',
      model_version: '2',
      timing: { queue_us: 120, compute_us: 450, batch_size: 4 },
    });
  });

  it('sends raw little-endian bytes to a client that sent bytes', () => {
    const wire = encodeWsResult(resultWith([fp32, int64]), true);
    const [y, ids] = wire.outputs as Array<{ name: string; shape: number[]; data: Uint8Array }>;
    expect(y).toMatchObject({ name: 'y', datatype: 'FP32', shape: [1, 2] });
    expect(y!.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(new Float32Array(new Uint8Array(y!.data).buffer))).toEqual([0.5, -1]);
    expect(Array.from(new BigInt64Array(new Uint8Array(ids!.data).buffer))).toEqual([3n, -4n]);
  });

  it('sends only the bytes of an output that is a view into a larger batch', () => {
    const batch = new Float32Array([1, 2, 3, 4, 5, 6]);
    const row = { ...fp32, shape: [1, 2], data: batch.subarray(2, 4) };
    const wire = encodeWsResult(resultWith([row]), true);
    const decoded = decodeMsgpack(encodeMsgpack(wire)) as { outputs: Array<{ data: Uint8Array }> };
    const data = decoded.outputs[0]!.data;
    expect(data.byteLength).toBe(8);
    expect(Array.from(new Float32Array(new Uint8Array(data).buffer))).toEqual([3, 4]);
  });

  it('sends value arrays to a client that sent values: BOOL as booleans, INT64 as numbers', () => {
    const wire = encodeWsResult(resultWith([fp32, bool, int64, bytes]), false);
    expect(wire.outputs).toEqual([
      { name: 'y', datatype: 'FP32', shape: [1, 2], data: [0.5, -1] },
      { name: 'mask', datatype: 'BOOL', shape: [3], data: [true, false, true] },
      { name: 'ids', datatype: 'INT64', shape: [2], data: [3, -4] },
      { name: 'text', datatype: 'BYTES', shape: [2], data: ['a', 'bc'] },
    ]);
  });

  it('sends BYTES as strings even to a binary client', () => {
    const wire = encodeWsResult(resultWith([bytes]), true);
    expect((wire.outputs as Array<{ data: unknown }>)[0]!.data).toEqual(['a', 'bc']);
  });

  it('sends FP16 as values to a client that sent values', () => {
    // 0x3c00 = 1.0, 0xc000 = -2.0 in half precision.
    const half = { name: 'h', datatype: 'FP16' as const, shape: [2], data: new Uint16Array([0x3c00, 0xc000]) };
    const wire = encodeWsResult(resultWith([half]), false);
    expect((wire.outputs as Array<{ data: unknown }>)[0]!.data).toEqual([1, -2]);
  });
});

describe('encodeWsError', () => {
  it('carries op, id, code, message and retryable', () => {
    expect(encodeWsError('r9', { code: 'ERR_QUEUE_FULL', message: 'queue holds 8 requests', retryable: true })).toEqual({
      op: 'error', id: 'r9', code: 'ERR_QUEUE_FULL', message: 'queue holds 8 requests', retryable: true,
    });
  });

  it('keeps a null id for errors that belong to no request', () => {
    expect(encodeWsError(null, { code: 'ERR_PROTO_MALFORMED', message: 'bad', retryable: false }).id).toBeNull();
  });
});

describe('OIP bodies', () => {
  it('puts timing in parameters and outputs as value arrays', () => {
    expect(encodeOipResult(resultWith([fp32, bool]))).toEqual({
      model_name: 'mlp',
      model_version: '2',
      id: 'r1',
      parameters: { queue_us: 120, compute_us: 450, batch_size: 4 },
      outputs: [
        { name: 'y', datatype: 'FP32', shape: [1, 2], data: [0.5, -1] },
        { name: 'mask', datatype: 'BOOL', shape: [3], data: [true, false, true] },
      ],
    });
  });

  it('gives errors as { error, code, retryable }', () => {
    expect(encodeOipError({ code: 'ERR_MODEL_NOT_FOUND', message: "no model 'x'", retryable: false })).toEqual({
      error: "no model 'x'", code: 'ERR_MODEL_NOT_FOUND', retryable: false,
    });
  });
});
