import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFixedDimModel, writeMultiIoModel, writeSlowModel } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer, untilBusy } from './helpers/test-server.js';
import { RawSocket, bin, floats } from './helpers/raw-socket.js';
import { seededFloats } from './helpers/reference-run.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await repo.addShipped('fraud');
    await repo.add(writeMultiIoModel);
    await repo.add(writeFixedDimModel);
    await repo.add((dir) => writeSlowModel(dir, { steps: 300 }), { maxBatchSize: 8, dynamicBatching: { maxQueueDelayUs: 0 }, warmup: { batchSizes: [] } });
  });
});
afterAll(() => t?.stop());

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.httpUrl}${path}`);
  return { status: response.status, body: await response.json() };
}

async function postJson(path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.httpUrl}${path}`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, body: await response.json() };
}

describe('Open Inference Protocol over HTTP', () => {
  it('reports server metadata, liveness and readiness', async () => {
    expect(await getJson('/v2')).toMatchObject({ status: 200, body: { name: 'wsinfer', version: expect.any(String) } });
    expect(await getJson('/v2/health/live')).toEqual({ status: 200, body: { live: true } });
    expect(await getJson('/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
  });

  it('describes a model with OIP datatypes and -1 for dynamic dims', async () => {
    const { status, body } = await getJson('/v2/models/fraud');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      name: 'fraud', versions: ['1'], platform: 'onnxruntime_onnx', state: 'ready', max_batch_size: 64,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
      instances: [{ kind: 'cpu', executionProvider: 'cpu', count: 1, inline: true }],
    });
    expect((await getJson('/v2/models/fraud/versions/1')).body.version).toBe('1');
    expect((await getJson('/v2/models/fixed_dim')).body).toMatchObject({ max_batch_size: 0, inputs: [{ name: 'x', shape: [2, 3] }] });
    expect((await getJson('/v2/models/multi_io')).body).toMatchObject({ max_batch_size: 32, outputs: [{ name: 'sum' }, { name: 'prod' }, { name: 'sum_total', shape: [-1] }] });
  });

  it('answers model readiness per model and version', async () => {
    expect(await getJson('/v2/models/fraud/ready')).toEqual({ status: 200, body: { name: 'fraud', ready: true } });
    expect(await getJson('/v2/models/fraud/versions/1/ready')).toEqual({ status: 200, body: { name: 'fraud', version: '1', ready: true } });
    expect(await getJson('/v2/models/fraud/versions/7/ready')).toMatchObject({ status: 404, body: { code: 'ERR_MODEL_NOT_FOUND' } });
    expect(await getJson('/v2/models/ghost/ready')).toMatchObject({ status: 404, body: { code: 'ERR_MODEL_NOT_FOUND' } });
  });

  it('runs inference from an OIP JSON body', async () => {
    const a = [[1, 2, 3, 4]];
    const b = [[0.5, 0.5, 0.5, 0.5]];
    const { status, body } = await postJson('/v2/models/multi_io/infer', {
      id: 'h1',
      inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 4], data: a }, { name: 'b', datatype: 'FP32', shape: [1, 4], data: b }],
      outputs: [{ name: 'sum' }],
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_name: 'multi_io', model_version: '1', id: 'h1', outputs: [{ name: 'sum', datatype: 'FP32', shape: [1, 4], data: [1.5, 2.5, 3.5, 4.5] }] });
    expect(body.parameters).toMatchObject({ batch_size: 1 });
    const versioned = await postJson('/v2/models/multi_io/versions/1/infer', { inputs: [{ name: 'a', datatype: 'FP32', shape: [1, 4], data: a[0] }, { name: 'b', datatype: 'FP32', shape: [1, 4], data: b[0] }] });
    expect(versioned.status).toBe(200);
    expect(versioned.body.outputs).toHaveLength(3);
  });

  it('answers errors with the OIP error body, our code and the matching status', async () => {
    expect(await postJson('/v2/models/fraud/infer', '{not json')).toMatchObject({ status: 400, body: { code: 'ERR_PROTO_MALFORMED', error: expect.any(String) } });
    expect(await postJson('/v2/models/ghost/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] })).toMatchObject({ status: 404, body: { code: 'ERR_MODEL_NOT_FOUND' } });
    expect(await postJson('/v2/models/fraud/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 29], data: new Array(29).fill(0) }] })).toMatchObject({ status: 400, body: { code: 'ERR_INPUT_INVALID', retryable: false } });
    expect(await getJson('/v2/nothing/here')).toMatchObject({ status: 404, body: { code: 'ERR_NOT_FOUND' } });
    const wrongMethod = await fetch(`${t.httpUrl}/v2/models/fraud/infer`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ code: 'ERR_METHOD_NOT_ALLOWED' });
  });

  it('lists the repository index with states', async () => {
    const { status, body } = await postJson('/v2/repository/index', {});
    expect(status).toBe(200);
    expect(body).toEqual(expect.arrayContaining([{ name: 'fraud', version: '1', state: 'ready' }, { name: 'slow', version: '1', state: 'ready' }]));
  });

  it('puts HTTP and WebSocket requests for one model into the same batch', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    // The one slow instance is busy with this request while the next two queue together.
    socket.sendMsgpack({ op: 'infer', id: 'busy', model: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: bin(seededFloats(1, 8)) }] });
    await untilBusy(t.server, 'slow');
    const wsInput = seededFloats(2, 8);
    const httpInput = Array.from(seededFloats(3, 8));
    socket.sendMsgpack({ op: 'infer', id: 'ws', model: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: bin(wsInput) }] });
    const [http, ws] = await Promise.all([
      postJson('/v2/models/slow/infer', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 8], data: httpInput }] }),
      socket.reply('ws'),
      socket.reply('busy'),
    ]);
    expect(ws.timing.batch_size).toBe(2);
    expect(http.body.parameters.batch_size).toBe(2);
    // The slow model returns its input: each side gets its own row back.
    expect(Array.from(floats(ws.outputs[0].data))).toEqual(Array.from(wsInput));
    expect(http.body.outputs[0].data).toEqual(Array.from(Float32Array.from(httpInput)));
    socket.close();
  });

  it('reports per-model stats and Prometheus metrics with real values', async () => {
    for (let i = 0; i < 3; i++) {
      await postJson('/v2/models/fraud/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: Array.from(seededFloats(i, 30)) }] });
    }
    const stats = await getJson('/v2/models/fraud/stats');
    expect(stats.status).toBe(200);
    const [entry] = stats.body.model_stats;
    expect(entry).toMatchObject({ model: 'fraud', version: '1', state: 'ready', count: 3, window: 3 });
    for (const series of ['queue_us', 'compute_us', 'total_us']) {
      expect(entry[series].p50).toBeGreaterThanOrEqual(0);
      expect(entry[series].p99).toBeGreaterThanOrEqual(entry[series].p50);
    }
    expect(entry.total_us.p50).toBeGreaterThanOrEqual(entry.compute_us.p50);

    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: 'fraud', version: '1', outcome: 'success' })).toBe(3);
    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: 'fraud', version: '1', outcome: 'rejected' })).toBe(1);
    expect(await metricValue(t.httpUrl, 'inference_request_duration_seconds_count', { model: 'fraud', version: '1' })).toBe(4);
    expect(await metricValue(t.httpUrl, 'inference_queue_duration_seconds_count', { model: 'fraud', version: '1' })).toBe(3);
    expect(await metricValue(t.httpUrl, 'inference_batch_size_sum', { model: 'fraud', version: '1' })).toBe(3);
    expect(await metricValue(t.httpUrl, 'inference_compute_duration_seconds_count', { model: 'fraud', version: '1' })).toBe(3);
    expect(await metricValue(t.httpUrl, 'inference_pending_requests', { model: 'fraud', version: '1' })).toBe(0);
    expect(await metricValue(t.httpUrl, 'inference_requests_total', { model: '_unknown', outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
    const text = await (await fetch(`${t.httpUrl}/metrics`)).text();
    expect(text).toContain('inference_request_duration_seconds_bucket{le="0.0001",model="fraud",version="1"}');
    expect(text).toContain('inference_request_duration_seconds_bucket{le="10",model="fraud",version="1"}');
  });
});
