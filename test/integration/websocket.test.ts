import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WsinferClient, WsinferClientError } from '../../src/client/index.js';
import {
  IDENTITY_DATATYPES, writeFixedDimModel, writeIdentityModel, writeMultiIoModel, writeScalarInt64Model,
} from '../fixtures/fixture-models.js';
import { type TestServer, startTestServer } from './helpers/test-server.js';
import { RawSocket, bin, floats } from './helpers/raw-socket.js';
import { maxAbsDiff, referenceRun, seededFloats } from './helpers/reference-run.js';

let t: TestServer;
const fraudPath = () => join(t.repo.dir, 'fraud', '1', 'model.onnx');

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await repo.addShipped('fraud');
    await repo.add(writeMultiIoModel);
    await repo.add(writeScalarInt64Model);
    await repo.add(writeFixedDimModel);
    for (const datatype of ['INT64', 'BOOL', 'FP16', 'UINT8', 'INT8', 'FP64', 'INT32'] as const) {
      await repo.add((dir) => writeIdentityModel(dir, datatype));
    }
  });
});
afterAll(() => t?.stop());

describe('WebSocket /ws', () => {
  it('answers a msgpack request with raw bytes, matching onnxruntime run alone', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const x = seededFloats(1, 2 * 30);
    socket.sendMsgpack({ op: 'infer', id: 'r1', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: bin(x) }] });
    const reply = await socket.reply('r1');
    expect(reply.op).toBe('result');
    expect(reply.__framing).toBe('msgpack');
    expect(reply.model_name).toBe('fraud');
    expect(reply.model_version).toBe('1');
    const [output] = reply.outputs;
    expect(output).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [2, 2] });
    expect(output.data).toBeInstanceOf(Uint8Array);
    const probabilities = floats(output.data);
    expect(probabilities[0]! + probabilities[1]!).toBeCloseTo(1, 5);
    const expected = await referenceRun(fraudPath(), { features: new ort.Tensor('float32', x, [2, 30]) }, 'probabilities');
    expect(maxAbsDiff(probabilities, expected)).toBeLessThan(1e-6);
    expect(reply.timing.batch_size).toBeGreaterThanOrEqual(2);
    expect(reply.timing.queue_us).toBeGreaterThanOrEqual(0);
    expect(reply.timing.compute_us).toBeGreaterThan(0);
    socket.close();
  });

  it('answers a JSON text frame with nested arrays in JSON with number arrays', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const rows = [Array.from(seededFloats(2, 30)), Array.from(seededFloats(3, 30))];
    socket.sendJson({ op: 'infer', id: 'j1', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: rows }] });
    const reply = await socket.reply('j1');
    expect(reply.__framing).toBe('json');
    expect(reply.outputs[0].shape).toEqual([2, 2]);
    expect(reply.outputs[0].data).toHaveLength(4);
    const expected = await referenceRun(fraudPath(), { features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [2, 30]) }, 'probabilities');
    expect(maxAbsDiff(reply.outputs[0].data, expected)).toBeLessThan(1e-6);
    socket.close();
  });

  it('keeps many requests in flight on one socket and matches every answer by id', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const count = 60;
    const inputs = Array.from({ length: count }, (_, i) => seededFloats(100 + i, 30));
    inputs.forEach((x, i) => socket.sendMsgpack({ op: 'infer', id: `m${i}`, model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: bin(x) }] }));
    const replies = await Promise.all(inputs.map((_, i) => socket.reply(`m${i}`)));
    for (let i = 0; i < count; i++) {
      const expected = await referenceRun(fraudPath(), { features: new ort.Tensor('float32', inputs[i]!, [1, 30]) }, 'probabilities');
      expect(maxAbsDiff(floats(replies[i]!.outputs[0].data), expected)).toBeLessThan(1e-6);
    }
    socket.close();
  });

  it('serves models with several inputs and outputs, returning only the outputs asked for', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const a = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const b = Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80]);
    socket.sendMsgpack({
      op: 'infer', id: 'mio', model: 'multi_io', outputs: [{ name: 'sum_total' }, { name: 'prod' }],
      inputs: [{ name: 'b', datatype: 'FP32', shape: [2, 4], data: bin(b) }, { name: 'a', datatype: 'FP32', shape: [2, 4], data: bin(a) }],
    });
    const reply = await socket.reply('mio');
    expect(reply.outputs.map((o: { name: string }) => o.name)).toEqual(['sum_total', 'prod']);
    expect(reply.outputs[0].shape).toEqual([2]);
    expect(Array.from(floats(reply.outputs[0].data))).toEqual([110, 286]);
    expect(Array.from(floats(reply.outputs[1].data))).toEqual([10, 40, 90, 160, 250, 360, 490, 640]);
    socket.close();
  });

  it('serves a non-batching model with an int64 scalar input', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendJson({
      op: 'infer', id: 's1', model: 'scalar_int64',
      inputs: [{ name: 'count', datatype: 'INT64', shape: [], data: [3] }, { name: 'x', datatype: 'FP32', shape: [3], data: [1, 2, 3.5] }],
    });
    const reply = await socket.reply('s1');
    expect(reply.outputs[0]).toMatchObject({ name: 'y', datatype: 'FP32', shape: [3], data: [3, 6, 10.5] });
    expect(reply.timing.batch_size).toBe(1);
    socket.close();
  });

  it('serves a model with fixed dims', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendJson({ op: 'infer', id: 'f1', model: 'fixed_dim', inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], data: [[-1, 2, -3], [4, -5, 6]] }] });
    const reply = await socket.reply('f1');
    expect(reply.outputs[0]).toMatchObject({ shape: [2, 3], data: [0, 2, 0, 4, 0, 6] });
    socket.close();
  });

  it.each(['INT64', 'BOOL', 'FP16', 'UINT8', 'INT8', 'FP64', 'INT32'] as const)('round-trips %s through raw bytes and through JSON', async (datatype) => {
    expect(IDENTITY_DATATYPES).toContain(datatype);
    const model = `identity_${datatype.toLowerCase()}`;
    const values: Record<string, { array: ArrayBufferView; json: unknown[]; back: unknown[] }> = {
      INT64: { array: BigInt64Array.from([-(2n ** 40n), 7n, 0n, 2n ** 40n]), json: [-(2 ** 40), 7, 0, 2 ** 40], back: [-(2 ** 40), 7, 0, 2 ** 40] },
      BOOL: { array: Uint8Array.from([1, 0, 0, 1]), json: [true, false, false, true], back: [true, false, false, true] },
      // Raw bytes carry half-precision bit patterns; JSON carries the values they stand for.
      FP16: { array: Uint16Array.from([0x3c00, 0xc000, 0x0000, 0x7bff]), json: [1, -2, 0, 65504], back: [1, -2, 0, 65504] },
      UINT8: { array: Uint8Array.from([0, 1, 128, 255]), json: [0, 1, 128, 255], back: [0, 1, 128, 255] },
      INT8: { array: Int8Array.from([-128, -1, 0, 127]), json: [-128, -1, 0, 127], back: [-128, -1, 0, 127] },
      FP64: { array: Float64Array.from([Math.PI, -1e300, 0, 1e-300]), json: [Math.PI, -1e300, 0, 1e-300], back: [Math.PI, -1e300, 0, 1e-300] },
      INT32: { array: Int32Array.from([-(2 ** 31), -1, 0, 2 ** 31 - 1]), json: [-(2 ** 31), -1, 0, 2 ** 31 - 1], back: [-(2 ** 31), -1, 0, 2 ** 31 - 1] },
    };
    const { array, json, back } = values[datatype]!;
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack({ op: 'infer', id: 'b', model, inputs: [{ name: 'x', datatype, shape: [2, 2], data: bin(array) }] });
    socket.sendJson({ op: 'infer', id: 'j', model, inputs: [{ name: 'x', datatype, shape: [2, 2], data: json }] });
    const [binary, text] = await Promise.all([socket.reply('b'), socket.reply('j')]);
    expect(binary.outputs[0]).toMatchObject({ name: 'y', datatype, shape: [2, 2] });
    expect(Buffer.from(binary.outputs[0].data).equals(Buffer.from(bin(array)))).toBe(true);
    expect(text.outputs[0]).toMatchObject({ datatype, shape: [2, 2], data: back });
    socket.close();
  });

  it('exposes the same through the typed client', async () => {
    const client = await WsinferClient.connect(t.wsUrl);
    const x = seededFloats(9, 30);
    const result = await client.infer('fraud', { features: x }, { shape: [1, 30] });
    expect(result.modelName).toBe('fraud');
    expect(result.modelVersion).toBe('1');
    expect(result.outputs.probabilities!.shape).toEqual([1, 2]);
    const expected = await referenceRun(fraudPath(), { features: new ort.Tensor('float32', x, [1, 30]) }, 'probabilities');
    expect(maxAbsDiff(result.outputs.probabilities!.data as Float32Array, expected)).toBeLessThan(1e-6);
    expect(result.timing.batchSize).toBeGreaterThanOrEqual(1);

    const failure = await client.infer('nope', { features: x }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WsinferClientError);
    expect(failure).toMatchObject({ code: 'ERR_MODEL_NOT_FOUND', retryable: false });

    const json = await WsinferClient.connect(t.wsUrl, { framing: 'json' });
    const viaJson = await json.infer('fraud', { features: x }, { shape: [1, 30] });
    expect(maxAbsDiff(viaJson.outputs.probabilities!.data as Float32Array, expected)).toBeLessThan(1e-6);
    await Promise.all([client.close(), json.close()]);
  });

  it('answers ping with pong and keeps the socket open', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendJson({ op: 'ping', id: 'p' });
    expect(await socket.reply('p')).toMatchObject({ op: 'pong', id: 'p' });
    socket.close();
  });
});
