import * as ort from 'onnxruntime-node';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSlowModel, writeVariableLengthModel } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer, untilBusy } from './helpers/test-server.js';
import { RawSocket, type Reply, bin, floats } from './helpers/raw-socket.js';
import { maxAbsDiff, referenceRun, seededFloats } from './helpers/reference-run.js';

let t: TestServer;

// A long delay and one preferred size make the batcher wait for a full batch of 33, so the
// test knows exactly which requests ran together.
const waitForFullBatch = (maxBatchSize: number) => ({
  maxBatchSize,
  dynamicBatching: { preferredBatchSizes: [maxBatchSize], maxQueueDelayUs: 2_000_000 },
  warmup: { batchSizes: [1] },
});

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await repo.addShipped('fraud', waitForFullBatch(33));
    await repo.addShipped('cnn', waitForFullBatch(33));
    await repo.add(writeVariableLengthModel, { maxBatchSize: 8, dynamicBatching: { preferredBatchSizes: [8], maxQueueDelayUs: 300_000 } });
    await repo.add((dir) => writeSlowModel(dir, { steps: 300 }), {
      maxBatchSize: 1,
      dynamicBatching: { maxQueueSize: 3, priorityLevels: 2 },
      warmup: { batchSizes: [] },
    });
  });
});
afterAll(() => t?.stop());

function infer(socket: RawSocket, id: string, model: string, name: string, shape: number[], data: Float32Array, parameters?: unknown): Promise<Reply> {
  socket.sendMsgpack({ op: 'infer', id, model, inputs: [{ name, datatype: 'FP32', shape, data: bin(data) }], ...(parameters ? { parameters } : {}) });
  return socket.reply(id);
}

describe('dynamic batching', () => {
  it.each([
    { model: 'fraud', input: 'features', output: 'probabilities', rowShape: [30] },
    { model: 'cnn', input: 'image', output: 'scores', rowShape: [1, 28, 28] },
  ])('gives $model the same output inside a batch of 33 as alone', async ({ model, input, output, rowShape }) => {
    const rowSize = rowShape.reduce((a, b) => a * b, 1);
    const modelPath = join(t.repo.dir, model, '1', 'model.onnx');
    const sockets = await Promise.all([0, 1, 2].map(() => RawSocket.open(t.wsUrl)));
    const inputs = Array.from({ length: 33 }, (_, i) => seededFloats(1000 + i, rowSize));
    const replies = await Promise.all(inputs.map((x, i) => infer(sockets[i % 3]!, `${model}${i}`, model, input, [1, ...rowShape], x)));
    for (let i = 0; i < inputs.length; i++) {
      const reply = replies[i]!;
      expect(reply.op).toBe('result');
      expect(reply.timing.batch_size).toBe(33);
      const alone = await referenceRun(modelPath, { [input]: new ort.Tensor('float32', inputs[i]!, [1, ...rowShape]) }, output);
      expect(maxAbsDiff(floats(reply.outputs[0].data), alone)).toBeLessThan(1e-5);
    }
    for (const socket of sockets) socket.close();
  });

  it('concatenates requests that carry several rows and splits the outputs back exactly', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const modelPath = join(t.repo.dir, 'fraud', '1', 'model.onnx');
    const rowCounts = [1, 5, 2, 7, 3, 4, 1, 6, 4]; // 33 rows in all
    const inputs = rowCounts.map((rows, i) => seededFloats(2000 + i, rows * 30));
    const replies = await Promise.all(inputs.map((x, i) => infer(socket, `rows${i}`, 'fraud', 'features', [rowCounts[i]!, 30], x)));
    for (let i = 0; i < inputs.length; i++) {
      expect(replies[i]!.outputs[0].shape).toEqual([rowCounts[i], 2]);
      expect(replies[i]!.timing.batch_size).toBe(33);
      const alone = await referenceRun(modelPath, { features: new ort.Tensor('float32', inputs[i]!, [rowCounts[i]!, 30]) }, 'probabilities');
      expect(maxAbsDiff(floats(replies[i]!.outputs[0].data), alone)).toBeLessThan(1e-5);
    }
    socket.close();
  });

  it('never puts requests whose non-batch dims differ into one batch', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const short = Array.from({ length: 8 }, (_, i) => Float32Array.from([i, i + 1, i + 2]));
    const long = Array.from({ length: 8 }, (_, i) => Float32Array.from([i, i, i, i, 10 * i]));
    const replies = await Promise.all([
      ...short.map((x, i) => infer(socket, `s${i}`, 'var_len', 'tokens', [1, 3], x)),
      ...long.map((x, i) => infer(socket, `l${i}`, 'var_len', 'tokens', [1, 5], x)),
    ]);
    for (const [i, reply] of replies.entries()) {
      expect(reply.timing.batch_size).toBe(8);
      const source = i < 8 ? short[i]! : long[i - 8]!;
      const mean = source.reduce((a, b) => a + b, 0) / source.length;
      expect(floats(reply.outputs[0].data)[0]).toBeCloseTo(mean, 5);
    }
    socket.close();
  });

  it('rejects at once with ERR_QUEUE_FULL past maxQueueSize, and serves the queued requests', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const x = seededFloats(5, 8);
    const running = infer(socket, 'q0', 'slow', 'x', [1, 8], x);
    await untilBusy(t.server, 'slow');
    const queued = [1, 2, 3].map((i) => infer(socket, `q${i}`, 'slow', 'x', [1, 8], x));
    const rejected = await infer(socket, 'q4', 'slow', 'x', [1, 8], x);
    expect(rejected).toMatchObject({ op: 'error', id: 'q4', code: 'ERR_QUEUE_FULL', retryable: true });
    for (const reply of await Promise.all([running, ...queued])) expect(reply.op).toBe('result');
    socket.close();
  });

  it('answers ERR_TIMEOUT for a request that expires in the queue, and never runs it', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const rowsBefore = (await metricValue(t.httpUrl, 'inference_batch_size_sum', { model: 'slow' })) ?? 0;
    const running = infer(socket, 't0', 'slow', 'x', [1, 8], seededFloats(6, 8));
    await untilBusy(t.server, 'slow');
    const expired = await infer(socket, 't1', 'slow', 'x', [1, 8], seededFloats(7, 8), { timeout_us: 2000 });
    expect(expired).toMatchObject({ op: 'error', id: 't1', code: 'ERR_TIMEOUT', retryable: true });
    expect((await running).op).toBe('result');
    expect(await metricValue(t.httpUrl, 'inference_batch_size_sum', { model: 'slow' })).toBe(rowsBefore + 1);
    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: 'slow', outcome: 'timeout' })).toBe(1);
  });

  it('serves priority level 1 before level 2', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const order: string[] = [];
    const track = (p: Promise<Reply>) => p.then((reply) => { order.push(reply.id); return reply; });
    const running = track(infer(socket, 'p0', 'slow', 'x', [1, 8], seededFloats(8, 8)));
    await untilBusy(t.server, 'slow');
    const low1 = track(infer(socket, 'low1', 'slow', 'x', [1, 8], seededFloats(9, 8), { priority: 2 }));
    const low2 = track(infer(socket, 'low2', 'slow', 'x', [1, 8], seededFloats(10, 8)));
    const high = track(infer(socket, 'high', 'slow', 'x', [1, 8], seededFloats(11, 8), { priority: 1 }));
    await Promise.all([running, low1, low2, high]);
    expect(order).toEqual(['p0', 'high', 'low1', 'low2']);
    socket.close();
  });
});
