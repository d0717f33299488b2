import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScaleModelVersion } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer } from './helpers/test-server.js';
import { RawSocket, type Reply, bin } from './helpers/raw-socket.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    for (const version of [1, 2]) await writeScaleModelVersion(repo.dir, 'scorer', version, version);
    // A broken build: version 3 takes [batch, 5], so every request routed to it fails.
    await writeScaleModelVersion(repo.dir, 'scorer', 3, 3, 5);
    await repo.setConfig('scorer', { versionPolicy: { all: {} } });
  }, { rolloutTickMs: 25 });
});
afterAll(() => t?.stop());

const x = { name: 'x', datatype: 'FP32', shape: [1, 4], data: bin(Float32Array.from([1, 2, 3, 4])) };

async function put(policy: unknown): Promise<any> {
  const response = await fetch(`${t.httpUrl}/v2/models/scorer/routing`, { method: 'PUT', body: JSON.stringify(policy) });
  expect(response.status).toBe(200);
  return response.json();
}

async function routing(): Promise<any> {
  return (await fetch(`${t.httpUrl}/v2/models/scorer/routing`)).json();
}

/** Clients sending unversioned requests back to back until stopped; every reply is kept. */
function startLoad(clients: number): { stop: () => Promise<Array<{ reply: Reply; sentAtMs: number }>> } {
  let running = true;
  const results: Array<{ reply: Reply; sentAtMs: number }> = [];
  const loops = Array.from({ length: clients }, async (_, c) => {
    const socket = await RawSocket.open(t.wsUrl);
    for (let i = 0; running; i++) {
      const id = `l${c}-${i}`;
      const sentAtMs = performance.now();
      socket.sendMsgpack({ op: 'infer', id, model: 'scorer', inputs: [x], parameters: { user: `c${c}-${i % 50}` } });
      results.push({ reply: await socket.reply(id), sentAtMs });
    }
    socket.close();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return results;
    },
  };
}

describe('rollback', () => {
  it('puts all traffic back on the default within a second, under load, with no failed request', async () => {
    // The guard's latency check is not under test here: a noisy machine must not roll back first.
    await put({ default: '1', canary: { version: '2', percent: 50, stickyKey: 'user', guard: { maxP99Ratio: 1000 } } });
    const load = startLoad(4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rolledBackAtMs = performance.now();
    const response = await fetch(`${t.httpUrl}/v2/models/scorer/rollback`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'rollback', droppedCanary: '2', policy: { default: '1' } });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const results = await load.stop();

    expect(results.filter((r) => r.reply.op !== 'result')).toEqual([]);
    const before = results.filter((r) => r.sentAtMs < rolledBackAtMs);
    expect(before.some((r) => r.reply.model_version === '2')).toBe(true);
    // Requests sent a second after the rollback call all ran on the known-good version.
    const settled = results.filter((r) => r.sentAtMs > rolledBackAtMs + 1000);
    const afterCall = results.filter((r) => r.sentAtMs > rolledBackAtMs);
    expect(afterCall.length).toBeGreaterThan(0);
    expect(new Set(settled.concat(afterCall.slice(-20)).map((r) => r.reply.model_version))).toEqual(new Set(['1']));
    expect(await metricValue(t.httpUrl, 'wsinfer_rollbacks_total', { model: 'scorer', trigger: 'api' })).toBe(1);
    expect((await routing()).policy).toEqual({ default: '1' });
  });

  it('restores the previous default when the last change promoted a new one', async () => {
    await put({ default: '2' });
    expect((await routing()).previousDefault).toBe('1');
    const response = await fetch(`${t.httpUrl}/v2/models/scorer/rollback`, { method: 'POST' });
    expect(await response.json()).toMatchObject({ restoredDefault: '1', policy: { default: '1' } });
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack({ op: 'infer', id: 'after', model: 'scorer', inputs: [x] });
    expect((await socket.reply('after')).model_version).toBe('1');
    socket.close();
  });
});

describe('canary guard and staged plan', () => {
  it('rolls a canary back by itself when its error rate breaches the guard', async () => {
    await put({ default: '1', canary: { version: '3', percent: 50, stickyKey: 'user', guard: { minRequests: 10, windowSeconds: 60 } } });
    const socket = await RawSocket.open(t.wsUrl);
    // One user per request: about half land on version 3 and fail there (ERR_INPUT_INVALID).
    const replies: Reply[] = [];
    for (let i = 0; i < 400 && (await routing()).policy.canary; i++) {
      socket.sendMsgpack({ op: 'infer', id: `g${i}`, model: 'scorer', inputs: [x], parameters: { user: `g${i}` } });
      replies.push(await socket.reply(`g${i}`));
    }
    expect(replies.some((r) => r.code === 'ERR_INPUT_INVALID')).toBe(true);
    const policy = (await routing()).policy;
    expect(policy).toEqual({ default: '1' });
    expect(await metricValue(t.httpUrl, 'wsinfer_rollbacks_total', { model: 'scorer', trigger: 'guard' })).toBe(1);
    expect(t.logger.lines.some((line) => line.includes("model 'scorer': rolled back (guard: canary error rate"))).toBe(true);
    socket.close();
  });

  it('advances a staged canary while the guard holds, then promotes it', async () => {
    await put({ default: '1', canary: { version: '2', steps: [10, 50, 100], holdSeconds: 0.1, stickyKey: 'user', guard: { minRequests: 5, maxP99Ratio: 1000 } } });
    const load = startLoad(2);
    for (let i = 0; i < 200 && (await routing()).policy.canary; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const results = await load.stop();
    expect(results.filter((r) => r.reply.op !== 'result')).toEqual([]);
    const state = await routing();
    expect(state.policy).toEqual({ default: '2' });
    expect(state.previousDefault).toBe('1');
    expect(await metricValue(t.httpUrl, 'wsinfer_promotions_total', { model: 'scorer', version: '2' })).toBe(1);
    expect(t.logger.lines.some((line) => line.includes('canary 2 advanced to 50 %'))).toBe(true);
  });
});
