import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, metricValue, startTestServer } from './helpers/test-server.js';
import { RawSocket, bin, floats } from './helpers/raw-socket.js';
import { seededFloats } from './helpers/reference-run.js';

let t: TestServer;

beforeAll(async () => {
  // The test hook makes an instance worker exit when it is handed a batch of exactly 7 rows.
  t = await startTestServer((repo) => repo.addShipped('fraud', { maxBatchSize: 64, warmup: { batchSizes: [1] } }), { exitWorkerOnBatchRows: 7 });
});
afterAll(() => t?.stop());

describe('an instance worker that dies mid-batch', () => {
  it('answers that batch with ERR_WORKER_EXITED, is replaced, and later requests succeed', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack({ op: 'infer', id: 'doomed', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [7, 30], data: bin(seededFloats(1, 7 * 30)) }] });
    expect(await socket.reply('doomed')).toMatchObject({ op: 'error', id: 'doomed', code: 'ERR_WORKER_EXITED', retryable: true });

    const after = await Promise.all(Array.from({ length: 5 }, (_, i) => {
      socket.sendMsgpack({ op: 'infer', id: `after${i}`, model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: bin(seededFloats(10 + i, 60)) }] });
      return socket.reply(`after${i}`);
    }));
    for (const reply of after) {
      expect(reply.op).toBe('result');
      const p = floats(reply.outputs[0].data);
      expect(p[0]! + p[1]!).toBeCloseTo(1, 5);
    }
    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: 'fraud', outcome: 'error' })).toBe(1);
    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: 'fraud', outcome: 'success' })).toBe(5);
    expect(t.logger.lines.some((line) => line.includes('replacement instance ready'))).toBe(true);
    socket.close();
  });
});
