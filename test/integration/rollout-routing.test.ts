import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../src/logger.js';
import { WsinferServer } from '../../src/server/wsinfer-server.js';
import { writeScaleModelVersion } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer } from './helpers/test-server.js';
import { RawSocket, type Reply, bin } from './helpers/raw-socket.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await writeScaleModelVersion(repo.dir, 'scorer', 1, 1);
    await writeScaleModelVersion(repo.dir, 'scorer', 2, -1); // flips every argmax
    await writeScaleModelVersion(repo.dir, 'scorer', 3, 2); // same argmax, larger values
    await repo.setConfig('scorer', { versionPolicy: { all: {} } });
  });
});
afterAll(() => t?.stop());

const x = (i: number) => ({ name: 'x', datatype: 'FP32', shape: [1, 4], data: bin(Float32Array.from([i % 7, 1, 2, 3])) });

async function put(policy: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.httpUrl}/v2/models/scorer/routing`, { method: 'PUT', body: JSON.stringify(policy) });
  return { status: response.status, body: await response.json() };
}

function infer(socket: RawSocket, id: string, parameters?: Record<string, unknown>): Promise<Reply> {
  socket.sendMsgpack({ op: 'infer', id, model: 'scorer', inputs: [x(Number(id.replace(/\D/g, '')) || 0)], ...(parameters ? { parameters } : {}) });
  return socket.reply(id);
}

describe('routing policy', () => {
  it('without a policy serves the highest version', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    expect((await infer(socket, 'r1')).model_version).toBe('3');
    const routing = await (await fetch(`${t.httpUrl}/v2/models/scorer/routing`)).json();
    expect(routing).toMatchObject({ model: 'scorer', policy: null });
    socket.close();
  });

  it('serves the default version, persists the policy to routing.json, and still honours pinned versions', async () => {
    const { status, body } = await put({ default: '1' });
    expect(status).toBe(200);
    expect(body.policy).toEqual({ default: '1' });
    const socket = await RawSocket.open(t.wsUrl);
    expect((await infer(socket, 'd1')).model_version).toBe('1');
    socket.sendMsgpack({ op: 'infer', id: 'pinned', model: 'scorer', version: '3', inputs: [x(1)] });
    expect((await socket.reply('pinned')).model_version).toBe('3');
    const stored = JSON.parse(await readFile(join(t.repo.dir, 'scorer', 'routing.json'), 'utf8'));
    expect(stored).toEqual({ default: '1' });
    socket.close();
  });

  it('refuses a policy naming a version that is not loaded, or with unknown fields', async () => {
    expect(await put({ default: '9' })).toMatchObject({ status: 400, body: { code: 'ERR_CONFIG_INVALID', error: expect.stringContaining('9') } });
    expect(await put({ default: '1', canary: { version: '2', percent: 5, stikyKey: 'user' } })).toMatchObject({ status: 400, body: { code: 'ERR_CONFIG_INVALID', error: expect.stringContaining('stikyKey') } });
  });

  it('sends the canary its share of traffic, sticky per user', async () => {
    await put({ default: '1', canary: { version: '2', percent: 30, stickyKey: 'user' } });
    const socket = await RawSocket.open(t.wsUrl);
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const first = await Promise.all(users.map((user, i) => infer(socket, `c${i}`, { user })));
    const again = await Promise.all(users.map((user, i) => infer(socket, `again${i}`, { user })));
    const onCanary = first.filter((r) => r.model_version === '2').length;
    expect(onCanary / users.length).toBeGreaterThan(0.22);
    expect(onCanary / users.length).toBeLessThan(0.38);
    expect(first.every((r) => r.model_version === '1' || r.model_version === '2')).toBe(true);
    expect(again.map((r) => r.model_version)).toEqual(first.map((r) => r.model_version));
    expect(await metricValue(t.httpUrl, 'wsinfer_canary_percent', { model: 'scorer', version: '2' })).toBe(30);
    socket.close();
  });

  it('keeps one connection on one side when requests carry no sticky key', async () => {
    await put({ default: '1', canary: { version: '2', percent: 50 } });
    const sides = new Set<string>();
    for (let c = 0; c < 12; c++) {
      const socket = await RawSocket.open(t.wsUrl);
      const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => infer(socket, `k${c}-${i}`)));
      const versions = new Set(replies.map((r) => r.model_version));
      expect(versions.size).toBe(1);
      sides.add([...versions][0]!);
      socket.close();
    }
    // 12 connections at 50 %: both sides appear unless the hash is broken (chance 2 × 0.5^12).
    expect(sides).toEqual(new Set(['1', '2']));
  });

  it('mirrors to a shadow version without the client seeing it, and measures disagreement', async () => {
    await put({ default: '1', shadow: { version: '2', percent: 100 } });
    const socket = await RawSocket.open(t.wsUrl);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => infer(socket, `s${i}`)));
    expect(replies.every((r) => r.model_version === '1')).toBe(true);
    const labels = { model: 'scorer', version: '2' };
    for (let i = 0; i < 100 && (await metricValue(t.httpUrl, 'wsinfer_shadow_requests_total', { ...labels, outcome: 'success' })) !== 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metricValue(t.httpUrl, 'wsinfer_shadow_requests_total', { ...labels, outcome: 'success' })).toBe(20);
    expect(await metricValue(t.httpUrl, 'wsinfer_shadow_compared_rows_total', labels)).toBe(20);
    // y = -x picks the smallest input as its largest output: every row disagrees.
    expect(await metricValue(t.httpUrl, 'wsinfer_shadow_argmax_mismatches_total', labels)).toBe(20);
    expect(await metricValue(t.httpUrl, 'wsinfer_shadow_max_abs_diff_count', labels)).toBe(20);

    await put({ default: '1', shadow: { version: '3', percent: 100 } });
    await Promise.all(Array.from({ length: 10 }, (_, i) => infer(socket, `t${i}`)));
    const three = { model: 'scorer', version: '3' };
    for (let i = 0; i < 100 && (await metricValue(t.httpUrl, 'wsinfer_shadow_compared_rows_total', three)) !== 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metricValue(t.httpUrl, 'wsinfer_shadow_argmax_mismatches_total', three)).toBe(0);
    socket.close();
  });
});

describe('persistence', () => {
  it('serves by routing.json after a restart', async () => {
    await put({ default: '2', canary: { version: '3', percent: 0 } });
    const restarted = new WsinferServer({ host: '127.0.0.1', port: 0, modelsDir: t.repo.dir, logger: new MemoryLogger(), defaultMetrics: false, heartbeatIntervalMs: 0 });
    const { port } = await restarted.start();
    try {
      const routing = await (await fetch(`http://127.0.0.1:${port}/v2/models/scorer/routing`)).json();
      expect(routing).toMatchObject({ policy: { default: '2', canary: { version: '3', percent: 0 } }, previousDefault: '1' });
      const socket = await RawSocket.open(`ws://127.0.0.1:${port}/ws`);
      expect((await infer(socket, 'p1')).model_version).toBe('2');
      socket.close();
    } finally {
      await restarted.close();
    }
  });
});

describe('A/B experiment', () => {
  it('assigns arms sticky per user, takes feedback by WebSocket and HTTP, and reports the test', async () => {
    await put({ default: '1', experiment: { a: '1', b: '3', split: 50, metric: 'binary', stickyKey: 'user' } });
    const socket = await RawSocket.open(t.wsUrl);
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => infer(socket, `e${i}`, { user: `u${i}` })));
    const arms = replies.map((r) => (r.model_version === '1' ? 'a' : 'b'));
    expect(replies.every((r) => r.model_version === '1' || r.model_version === '3')).toBe(true);
    // Arm a converts 20 % of the time, arm b 60 %: b should win clearly.
    const counts = { a: 0, b: 0 };
    for (const [i, arm] of arms.entries()) {
      const n = counts[arm]++;
      const value = arm === 'a' ? n % 5 === 0 : n % 5 < 3;
      if (i % 2 === 0) {
        socket.sendJson({ op: 'feedback', id: `e${i}`, value });
        expect(await socket.reply(`e${i}`)).toMatchObject({ op: 'feedback', model: 'scorer', arm });
      } else {
        const response = await fetch(`${t.httpUrl}/v2/models/scorer/feedback`, { method: 'POST', body: JSON.stringify({ id: `e${i}`, value: value ? 1 : 0 }) });
        expect(response.status).toBe(200);
      }
    }
    const report = await (await fetch(`${t.httpUrl}/v2/models/scorer/experiment`)).json() as any;
    expect(report).toMatchObject({ model: 'scorer', a: '1', b: '3', metric: 'binary', test: 'two-proportion z-test', verdict: 'b wins', significant: true });
    expect(report.arms.map((arm: { n: number }) => arm.n)).toEqual([counts.a, counts.b]);
    expect(report.arms[0].mean).toBeCloseTo(Math.ceil(counts.a / 5) / counts.a, 6);
    expect(report.pValue).toBeLessThan(0.001);
    expect(await metricValue(t.httpUrl, 'wsinfer_experiment_feedback_total', { model: 'scorer', arm: 'b' })).toBe(counts.b);
    socket.close();
  });

  it('refuses feedback for an unknown or already answered request', async () => {
    const response = await fetch(`${t.httpUrl}/v2/models/scorer/feedback`, { method: 'POST', body: JSON.stringify({ id: 'e0', value: 1 }) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 'ERR_FEEDBACK_UNMATCHED' });
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendJson({ op: 'feedback', id: 'never-sent', value: 1 });
    expect(await socket.reply('never-sent')).toMatchObject({ op: 'error', code: 'ERR_FEEDBACK_UNMATCHED' });
    socket.close();
  });
});
