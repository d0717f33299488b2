import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeScaleModelVersion } from '../fixtures/fixture-models.js';
import { type TestServer, startTestServer } from './helpers/test-server.js';
import { RawSocket, type Reply, bin, floats } from './helpers/raw-socket.js';

const x = { name: 'x', datatype: 'FP32', shape: [1, 4], data: bin(Float32Array.from([1, 2, 3, 4])) };

function startLoad(t: TestServer, clients: number): { stop: () => Promise<Reply[]> } {
  let running = true;
  const replies: Reply[] = [];
  const loops = Array.from({ length: clients }, async (_, c) => {
    const socket = await RawSocket.open(t.wsUrl);
    for (let i = 0; running; i++) {
      socket.sendMsgpack({ op: 'infer', id: `${c}-${i}`, model: 'scorer', inputs: [x] });
      replies.push(await socket.reply(`${c}-${i}`));
    }
    socket.close();
  });
  return { stop: async () => { running = false; await Promise.all(loops); return replies; } };
}

async function post(t: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.httpUrl}${path}`, { method: 'POST', headers });
  return { status: response.status, body: await response.json() };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('explicit model control', () => {
  it('loads nothing at start but --load-model, then loads, replaces and unloads through the API with no failed request', async () => {
    const t = await startTestServer(async (repo) => {
      await writeScaleModelVersion(repo.dir, 'scorer', 1, 1);
      await writeScaleModelVersion(repo.dir, 'other', 1, 1);
    }, { modelControl: 'explicit', startupModels: ['scorer'] });
    try {
      const index = await post(t, '/v2/repository/index');
      expect(index.body.map((e: { name: string }) => e.name)).toEqual(['scorer']);

      const load = startLoad(t, 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writeScaleModelVersion(t.repo.dir, 'scorer', 2, 2);
      const loaded = await post(t, '/v2/repository/models/scorer/load');
      expect(loaded).toMatchObject({ status: 200, body: { name: 'scorer', versions: [{ version: '2', state: 'ready' }] } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const replies = await load.stop();

      expect(replies.filter((r) => r.op !== 'result')).toEqual([]);
      const versions = replies.map((r) => r.model_version);
      expect(versions[0]).toBe('1');
      expect(versions.at(-1)).toBe('2');
      const firstTwo = versions.indexOf('2');
      expect(versions.slice(firstTwo + 50).every((v) => v === '2')).toBe(true);
      expect(t.logger.lines.some((line) => line.includes("model 'scorer' version 1 unloaded (no longer selected)"))).toBe(true);

      expect((await post(t, '/v2/repository/models/other/load')).status).toBe(200);
      expect((await post(t, '/v2/repository/models/scorer/unload'))).toEqual({ status: 200, body: { name: 'scorer', unloaded: true } });
      const socket = await RawSocket.open(t.wsUrl);
      socket.sendMsgpack({ op: 'infer', id: 'gone', model: 'scorer', inputs: [x] });
      expect(await socket.reply('gone')).toMatchObject({ code: 'ERR_MODEL_NOT_FOUND' });
      socket.close();
      expect(await post(t, '/v2/repository/models/nothing/load')).toMatchObject({ status: 404, body: { code: 'ERR_MODEL_NOT_FOUND' } });
    } finally {
      await t.stop();
    }
  });

  it('replaces and unloads a version whose instance runs inline on the socket thread, with no failed request', async () => {
    const t = await startTestServer(async (repo) => {
      await writeScaleModelVersion(repo.dir, 'scorer', 1, 1);
      await writeFile(join(repo.dir, 'scorer', 'config.json'), JSON.stringify({ maxBatchSize: 8, instanceGroup: [{ kind: 'cpu', count: 1, inline: true }] }));
    }, { modelControl: 'explicit', startupModels: ['scorer'] });
    try {
      const load = startLoad(t, 3);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writeScaleModelVersion(t.repo.dir, 'scorer', 2, 2);
      expect((await post(t, '/v2/repository/models/scorer/load')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const replies = await load.stop();
      expect(replies.filter((r) => r.op !== 'result')).toEqual([]);
      expect(replies.at(-1)!.model_version).toBe('2');
      // x × 2 from version 2.
      expect([...floats(replies.at(-1)!.outputs[0].data)]).toEqual([2, 4, 6, 8]);
      expect(t.logger.lines).toContain("info model 'scorer' version 2 ready on 1× cpu inline on the socket thread (batching up to 8 rows)");
      expect((await post(t, '/v2/repository/models/scorer/unload'))).toEqual({ status: 200, body: { name: 'scorer', unloaded: true } });
    } finally {
      await t.stop();
    }
  });

  it('keeps the old version serving when the new one fails to load', async () => {
    const t = await startTestServer((repo) => writeScaleModelVersion(repo.dir, 'scorer', 1, 1), { modelControl: 'explicit', startupModels: ['scorer'] });
    try {
      await mkdir(join(t.repo.dir, 'scorer', '2'), { recursive: true });
      await writeFile(join(t.repo.dir, 'scorer', '2', 'model.onnx'), 'not a model');
      expect((await post(t, '/v2/repository/models/scorer/load')).status).toBe(200);
      const index = await post(t, '/v2/repository/index');
      expect(index.body).toEqual([
        { name: 'scorer', version: '1', state: 'ready' },
        { name: 'scorer', version: '2', state: 'unavailable', reason: expect.stringContaining('ERR_MODEL_LOAD_FAILED') },
      ]);
      const socket = await RawSocket.open(t.wsUrl);
      socket.sendMsgpack({ op: 'infer', id: 'still', model: 'scorer', inputs: [x] });
      expect(await socket.reply('still')).toMatchObject({ op: 'result', model_version: '1' });
      socket.close();
    } finally {
      await t.stop();
    }
  });
});

describe('poll model control', () => {
  it('loads a new version dropped into the repository and retires the old one', async () => {
    const t = await startTestServer((repo) => writeScaleModelVersion(repo.dir, 'scorer', 1, 1), { modelControl: 'poll', repositoryPollMs: 100 });
    try {
      await writeScaleModelVersion(t.repo.dir, 'scorer', 2, 2);
      await until(async () => (await post(t, '/v2/repository/index')).body.map((e: { version: string }) => e.version).join() === '2', 'version 2 alone');
      const socket = await RawSocket.open(t.wsUrl);
      socket.sendMsgpack({ op: 'infer', id: 'p', model: 'scorer', inputs: [x] });
      expect(await socket.reply('p')).toMatchObject({ op: 'result', model_version: '2', outputs: [{ shape: [1, 4] }] });
      socket.close();
      expect(await post(t, '/v2/repository/models/scorer/load')).toMatchObject({ status: 409, body: { code: 'ERR_MODEL_CONTROL_MODE' } });
    } finally {
      await t.stop();
    }
  });
});

describe('admin API access', () => {
  it('needs the bearer token when one is set', async () => {
    const t = await startTestServer((repo) => writeScaleModelVersion(repo.dir, 'scorer', 1, 1), { adminToken: 'sesame-123' });
    try {
      const body = JSON.stringify({ default: '1' });
      const without = await fetch(`${t.httpUrl}/v2/models/scorer/routing`, { method: 'PUT', body });
      expect(without.status).toBe(401);
      expect(await without.json()).toMatchObject({ code: 'ERR_UNAUTHORIZED' });
      const wrong = await fetch(`${t.httpUrl}/v2/models/scorer/routing`, { method: 'PUT', body, headers: { authorization: 'Bearer nope-nope' } });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${t.httpUrl}/v2/models/scorer/routing`, { method: 'PUT', body, headers: { authorization: 'Bearer sesame-123' } });
      expect(right.status).toBe(200);
      // Reading the policy is not an admin action.
      expect((await fetch(`${t.httpUrl}/v2/models/scorer/routing`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('is off on a non-loopback address without a token', async () => {
    const t = await startTestServer((repo) => writeScaleModelVersion(repo.dir, 'scorer', 1, 1), { host: '0.0.0.0' });
    try {
      const response = await fetch(`${t.httpUrl}/v2/models/scorer/rollback`, { method: 'POST' });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'ERR_FORBIDDEN' });
    } finally {
      await t.stop();
    }
  });
});
