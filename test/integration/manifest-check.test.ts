import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageModel } from '../../src/lifecycle/index.js';
import { writeScaleModelVersion } from '../fixtures/fixture-models.js';
import { TempModelRepo } from './helpers/model-repo.js';
import { type TestServer, startTestServer } from './helpers/test-server.js';
import { RawSocket, bin } from './helpers/raw-socket.js';

let staging: TempModelRepo;
let t: TestServer;

beforeAll(async () => {
  // Build three packaged versions elsewhere, then put them in the served repository.
  staging = await TempModelRepo.create();
  for (const [version, factor] of [[1, 1], [2, 2], [3, 3]] as const) await writeScaleModelVersion(staging.dir, 'raw', version, factor);
  t = await startTestServer(async (repo) => {
    for (const version of ['1', '2', '3']) {
      await packageModel({ modelPath: join(staging.dir, 'raw', version, 'model.onnx'), name: 'scorer', modelsDir: repo.dir, version });
    }
    await repo.setConfig('scorer', { versionPolicy: { all: {} } });
    // Version 2: different bytes than packaged (a model swapped in by hand).
    await writeFile(join(repo.dir, 'scorer', '2', 'model.onnx'), await readFile(join(staging.dir, 'raw', '1', 'model.onnx')));
    // Version 3: same bytes, but its manifest's recorded sample output was edited.
    const manifestPath = join(repo.dir, 'scorer', '3', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.sample.outputs[0].data[0] += 1;
    await writeFile(manifestPath, JSON.stringify(manifest));
  });
});
afterAll(async () => {
  await t?.stop();
  await staging?.remove();
});

describe('packaged versions', () => {
  it('refuses a version whose manifest does not verify and keeps serving the verified one', async () => {
    const index = await (await fetch(`${t.httpUrl}/v2/repository/index`, { method: 'POST' })).json();
    expect(index).toEqual([
      { name: 'scorer', version: '1', state: 'ready' },
      { name: 'scorer', version: '2', state: 'unavailable', reason: expect.stringMatching(/^ERR_MANIFEST_MISMATCH: .*version 2 does not match its manifest: .*sha256/) },
      { name: 'scorer', version: '3', state: 'unavailable', reason: expect.stringMatching(/^ERR_MANIFEST_MISMATCH: .*version 3 does not reproduce its manifest's sample/) },
    ]);
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack({ op: 'infer', id: 'v', model: 'scorer', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: bin(Float32Array.from([1, 2, 3, 4])) }] });
    expect(await socket.reply('v')).toMatchObject({ op: 'result', model_version: '1' });
    socket.close();
  });
});
