/**
 * Instances that run on the socket thread (`"inline": true`): the same answers as alone,
 * batched and split back exactly, on a real server over WebSocket and HTTP.
 */
import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMultiIoModel } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer } from './helpers/test-server.js';
import { RawSocket, type Reply, bin, floats } from './helpers/raw-socket.js';
import { maxAbsDiff, referenceRun, seededFloats } from './helpers/reference-run.js';

const INLINE = [{ kind: 'cpu', count: 1, inline: true }];
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    // Waits for a full batch of 33, so the test knows which requests ran together.
    await repo.addShipped('fraud', {
      maxBatchSize: 33,
      dynamicBatching: { preferredBatchSizes: [33], maxQueueDelayUs: 2_000_000 },
      instanceGroup: INLINE,
      warmup: { batchSizes: [1, 33] },
    });
    await repo.add(writeMultiIoModel, { maxBatchSize: 8, instanceGroup: INLINE });
  });
});
afterAll(() => t?.stop());

function infer(socket: RawSocket, id: string, model: string, inputs: Array<{ name: string; shape: number[]; data: Float32Array }>): Promise<Reply> {
  socket.sendMsgpack({ op: 'infer', id, model, inputs: inputs.map((x) => ({ name: x.name, datatype: 'FP32', shape: x.shape, data: bin(x.data) })) });
  return socket.reply(id);
}

describe('an inline instance', () => {
  it('says where it runs: in metadata and in the log', async () => {
    const meta = (await (await fetch(`${t.httpUrl}/v2/models/fraud`)).json()) as { instances: unknown };
    expect(meta.instances).toEqual([{ kind: 'cpu', executionProvider: 'cpu', count: 1, inline: true, sharedWeights: true }]);
    expect(t.logger.lines).toContain("info model 'fraud' version 1 ready on 1× cpu inline on the socket thread (batching up to 33 rows)");
  });

  it('batches requests of several rows from several sockets and splits the outputs back exactly', async () => {
    const modelPath = join(t.repo.dir, 'fraud', '1', 'model.onnx');
    const sockets = await Promise.all([0, 1, 2].map(() => RawSocket.open(t.wsUrl)));
    const rowCounts = [1, 5, 2, 7, 3, 4, 1, 6, 4]; // 33 rows in all
    const inputs = rowCounts.map((rows, i) => seededFloats(3000 + i, rows * 30));
    const batchesBefore = await metricValue(t.httpUrl, 'wsinfer_batches_total', { model: 'fraud', version: '1', device: 'cpu' });
    const replies = await Promise.all(inputs.map((x, i) => infer(sockets[i % 3]!, `r${i}`, 'fraud', [{ name: 'features', shape: [rowCounts[i]!, 30], data: x }])));
    for (let i = 0; i < inputs.length; i++) {
      const reply = replies[i]!;
      expect(reply.op).toBe('result');
      expect(reply.outputs[0].shape).toEqual([rowCounts[i], 2]);
      expect(reply.timing.batch_size).toBe(33);
      const alone = await referenceRun(modelPath, { features: new ort.Tensor('float32', inputs[i]!, [rowCounts[i]!, 30]) }, 'probabilities');
      expect(maxAbsDiff(floats(reply.outputs[0].data), alone)).toBeLessThan(1e-5);
    }
    expect(await metricValue(t.httpUrl, 'wsinfer_batches_total', { model: 'fraud', version: '1', device: 'cpu' })).toBe((batchesBefore ?? 0) + 1);
    for (const socket of sockets) socket.close();
  });

  it('answers every output a request names, over HTTP too', async () => {
    const a = seededFloats(41, 8);
    const b = seededFloats(42, 8);
    const response = await fetch(`${t.httpUrl}/v2/models/multi_io/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 4], data: [...a] }, { name: 'b', datatype: 'FP32', shape: [2, 4], data: [...b] }],
        outputs: [{ name: 'sum_total' }, { name: 'prod' }],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: Array<{ name: string; shape: number[]; data: number[] }> };
    expect(body.outputs.map((o) => [o.name, o.shape])).toEqual([['sum_total', [2]], ['prod', [2, 4]]]);
    const sums = [0, 1].map((row) => [0, 1, 2, 3].reduce((acc, col) => acc + a[row * 4 + col]! + b[row * 4 + col]!, 0));
    expect(maxAbsDiff(Float32Array.from(body.outputs[0]!.data), Float32Array.from(sums))).toBeLessThan(1e-5);
    expect(maxAbsDiff(Float32Array.from(body.outputs[1]!.data), a.map((x, i) => x * b[i]!))).toBeLessThan(1e-6);
  });

  it('refuses bad input with a code and keeps serving', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const bad = await infer(socket, 'bad', 'multi_io', [{ name: 'a', shape: [1, 4], data: new Float32Array(4) }]);
    expect(bad).toMatchObject({ op: 'error', id: 'bad', code: 'ERR_INPUT_INVALID' });
    const good = await infer(socket, 'good', 'multi_io', [{ name: 'a', shape: [1, 4], data: Float32Array.from([1, 2, 3, 4]) }, { name: 'b', shape: [1, 4], data: Float32Array.from([1, 1, 1, 1]) }]);
    expect(good.op).toBe('result');
    expect([...floats(good.outputs[0].data)]).toEqual([2, 3, 4, 5]);
    socket.close();
  });
});
