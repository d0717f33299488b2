/**
 * The two checks the server's loader calls: verifyVersion (manifest and file digest, no
 * session) and checkSample (signature and sample, on a session the loader already has).
 */
import { cp, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCheckSession } from '../../src/lifecycle/check-session.js';
import { type Manifest, readManifest } from '../../src/lifecycle/manifest.js';
import { packageModel } from '../../src/lifecycle/package-model.js';
import { checkSample } from '../../src/lifecycle/sample-check.js';
import { verifyVersion } from '../../src/lifecycle/verify-version.js';
import { TempModelRepo } from '../integration/helpers/model-repo.js';
import { type SourceModels, flipByte, readJson, writeJson, writeSourceModels } from './lifecycle-fixtures.js';

let sources: SourceModels;
let repo: TempModelRepo;
let fraudDir: string;

beforeAll(async () => { sources = await writeSourceModels(); });
afterAll(async () => { await sources.dir.remove(); });
beforeEach(async () => {
  repo = await TempModelRepo.create();
  await packageModel({ modelPath: sources.fraud, name: 'fraud', modelsDir: repo.dir });
  fraudDir = join(repo.dir, 'fraud');
});
afterEach(async () => { await repo.remove(); });

describe('verifyVersion', () => {
  it('passes a fresh package and hands back its manifest', async () => {
    const result = await verifyVersion(fraudDir, '1');
    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.manifest).toEqual(await readJson(join(fraudDir, '1', 'manifest.json')));
  });

  it('fails a model.onnx whose bytes or size changed', async () => {
    await flipByte(join(fraudDir, '1', 'model.onnx'));
    const flipped = await verifyVersion(fraudDir, '1');
    expect(flipped.ok).toBe(false);
    expect(flipped.problems).toEqual([expect.stringMatching(/^model\.onnx has sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}… \(the file changed after packaging\)$/)]);
    await truncate(join(fraudDir, '1', 'model.onnx'), 100);
    const manifest = flipped.manifest!;
    expect((await verifyVersion(fraudDir, '1')).problems).toEqual([`model.onnx is 100 bytes, the manifest says ${manifest.sizeBytes}`]);
  });

  it('fails a version folder copied under another number', async () => {
    await cp(join(fraudDir, '1'), join(fraudDir, '2'), { recursive: true });
    expect(await verifyVersion(fraudDir, '2')).toMatchObject({
      ok: false,
      problems: ['manifest.json describes fraud version 1, but sits in fraud/2'],
    });
  });

  it('fails a manifest it cannot read, naming the field', async () => {
    const manifest = await readJson(join(fraudDir, '1', 'manifest.json'));
    manifest.sha256 = 'not hex';
    await writeJson(join(fraudDir, '1', 'manifest.json'), manifest);
    expect(await verifyVersion(fraudDir, '1')).toEqual({ ok: false, problems: ['manifest.json: sha256 must be 64 lowercase hex digits'] });
  });

  it('passes a version without a manifest unless one is required', async () => {
    await repo.addShipped('cnn');
    const cnnDir = join(repo.dir, 'cnn');
    expect(await verifyVersion(cnnDir, '1')).toEqual({ ok: true, problems: [] });
    expect(await verifyVersion(cnnDir, '1', { requireManifest: true })).toEqual({ ok: false, problems: ['no manifest.json (package it with `wsinfer package`)'] });
  });
});

describe('checkSample', () => {
  let session: InferenceSession;
  let manifest: Manifest;

  beforeEach(async () => {
    session = await openCheckSession(join(fraudDir, '1', 'model.onnx'));
    manifest = (await readManifest(join(fraudDir, '1')))!;
  });
  afterEach(async () => { await session.release(); });

  it('reproduces the packaged outputs', async () => {
    expect(await checkSample(session, manifest)).toEqual({ ok: true, problems: [], maxAbsDiff: 0 });
  });

  it('reports outputs that moved beyond tolerance, and honours a looser one', async () => {
    const data = manifest.sample.outputs[0]!.data as number[];
    data[0] = data[0]! + 0.001;
    const strict = await checkSample(session, manifest);
    expect(strict.ok).toBe(false);
    expect(strict.problems[0]).toMatch(/^output 'probabilities' differs from the manifest's sample in 1 of 2 elements/);
    expect(strict.maxAbsDiff).toBeCloseTo(0.001, 6);
    expect((await checkSample(session, manifest, { rtol: 0, atol: 0.01 })).ok).toBe(true);
  });

  it("reports a session whose IO is not the manifest's", async () => {
    await packageModel({ modelPath: sources.multiIo, name: 'multi_io', modelsDir: repo.dir });
    const other = (await readManifest(join(repo.dir, 'multi_io', '1')))!;
    const result = await checkSample(session, other);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      "input 'a' is in the manifest but not in the model",
      "input 'b' is in the manifest but not in the model",
      "input 'features' is in the model but not in the manifest",
      "output 'sum' is in the manifest but not in the model",
      "output 'prod' is in the manifest but not in the model",
      "output 'sum_total' is in the manifest but not in the model",
      "output 'probabilities' is in the model but not in the manifest",
    ]);
  });

  it('keeps the manifest file it was given untouched', async () => {
    const before = await readFile(join(fraudDir, '1', 'manifest.json'), 'utf8');
    await checkSample(session, manifest);
    expect(await readFile(join(fraudDir, '1', 'manifest.json'), 'utf8')).toBe(before);
  });
});
