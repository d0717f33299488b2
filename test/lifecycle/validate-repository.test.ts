/**
 * `wsinfer validate` run in-process over freshly packaged repositories, then after each
 * way a version can go wrong: the exit code and the line a CI log shows for it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/validate-command.js';
import { packageModel } from '../../src/lifecycle/package-model.js';
import { TempModelRepo } from '../integration/helpers/model-repo.js';
import { FRAUD_CONFIG_JSON, type SourceModels, captureIo, flipByte, readJson, writeJson, writeSourceModels } from './lifecycle-fixtures.js';

let sources: SourceModels;
let repo: TempModelRepo;

beforeAll(async () => { sources = await writeSourceModels(); });
afterAll(async () => { await sources.dir.remove(); });
beforeEach(async () => { repo = await TempModelRepo.create(); });
afterEach(async () => { await repo.remove(); });

async function pack(modelPath: string, name: string): Promise<void> {
  await packageModel({ modelPath, name, modelsDir: repo.dir });
}

async function packAll(): Promise<void> {
  await pack(sources.fraud, 'fraud');
  await repo.setConfig('fraud', await readJson(FRAUD_CONFIG_JSON));
  await pack(sources.multiIo, 'multi_io');
  await pack(sources.scalarInt64, 'scalar_int64');
}

async function validate(...args: string[]) {
  const io = captureIo();
  const code = await validateCommand(args, io);
  return { code, out: io.out(), err: io.err() };
}

const manifestOf = (model: string, version = '1') => join(repo.dir, model, version, 'manifest.json');

describe('a freshly packaged repository', () => {
  it('passes: exit 0, one ok line per version, a summary', async () => {
    await packAll();
    await pack(sources.fraud, 'fraud');
    const { code, out, err } = await validate(repo.dir);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      'ok    fraud/1         sha256, load, signature, sample (max |diff| 0), config',
      'ok    fraud/2         sha256, load, signature, sample (max |diff| 0), config',
      'ok    multi_io/1      sha256, load, signature, sample (max |diff| 0), config',
      'ok    scalar_int64/1  sha256, load, signature, sample (max |diff| 0), config',
      `passed: 4 version(s) in ${repo.dir} (4 ok, 0 failed, 0 without manifest)`,
      '',
    ]);
  });

  it('--json reports every check of every version', async () => {
    await packAll();
    const { code, out } = await validate('--models', repo.dir, '--json', '--model', 'multi_io');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      modelsDir: repo.dir,
      ok: true,
      strict: false,
      versions: [{
        model: 'multi_io',
        version: '1',
        status: 'ok',
        problems: [],
        checks: { manifest: 'pass', sha256: 'pass', load: 'pass', signature: 'pass', sample: 'pass', config: 'pass' },
        maxAbsDiff: 0,
      }],
      problems: [],
      counts: { ok: 1, failed: 0, noManifest: 0 },
    });
  });
});

describe('what validate fails, naming the version and the reason', () => {
  it('a byte of model.onnx flipped after packaging', async () => {
    await packAll();
    await flipByte(join(repo.dir, 'fraud', '1', 'model.onnx'));
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL {2}fraud\/1 +model\.onnx has sha256 [0-9a-f]{12}…, the manifest says [0-9a-f]{12}… \(the file changed after packaging\)/m);
    expect(out).toMatch(/^ok {4}multi_io\/1 /m);
    expect(out).toContain(`FAILED: 3 version(s) in ${repo.dir} (2 ok, 1 failed, 0 without manifest)`);
    const report = JSON.parse((await validate(repo.dir, '--json')).out);
    expect(report.ok).toBe(false);
    expect(report.versions[0]).toMatchObject({ model: 'fraud', status: 'fail', checks: { sha256: 'fail' } });
  });

  it("the manifest's sample outputs edited", async () => {
    await pack(sources.fraud, 'fraud');
    const manifest = await readJson(manifestOf('fraud'));
    manifest.sample.outputs[0].data[1] += 0.25;
    await writeJson(manifestOf('fraud'), manifest);
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL {2}fraud\/1 {2}output 'probabilities' differs from the manifest's sample in 1 of 2 elements beyond rtol 0\.001, atol 0\.00001 \(element 1 is [0-9.]+, expected [0-9.]+, max \|diff\| 0\.25\)$/m);
  });

  it('a tolerance loose enough accepts the same edit (--tolerance overrides the manifest)', async () => {
    await pack(sources.fraud, 'fraud');
    const manifest = await readJson(manifestOf('fraud'));
    manifest.sample.outputs[0].data[1] *= 1.01;
    await writeJson(manifestOf('fraud'), manifest);
    expect((await validate(repo.dir)).code).toBe(1);
    expect((await validate(repo.dir, '--tolerance', 'rtol=0.05')).code).toBe(0);
  });

  it('a config.json that does not fit the model', async () => {
    await pack(sources.scalarInt64, 'scalar_int64');
    await repo.setConfig('scalar_int64', { maxBatchSize: 16 });
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  scalar_int64/1  config.json: maxBatchSize is 16, but the model cannot batch: every input and output needs a dynamic dim 0');
  });

  it('a manifest whose signature no longer matches the model', async () => {
    await pack(sources.multiIo, 'multi_io');
    const manifest = await readJson(manifestOf('multi_io'));
    manifest.signature.inputs[1].shape = [-1, 8];
    await writeJson(manifestOf('multi_io'), manifest);
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toContain("FAIL  multi_io/1  input 'b' is FP32 [-1, 4] in the model, FP32 [-1, 8] in the manifest");
  });

  it('a manifest without its model.onnx, and a manifest that is not JSON', async () => {
    await pack(sources.fraud, 'fraud');
    await pack(sources.fraud, 'fraud');
    await rm(join(repo.dir, 'fraud', '1', 'model.onnx'));
    await writeFile(manifestOf('fraud', '2'), '{ "name": ');
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  fraud/1  model.onnx is missing\n');
    expect(out).toMatch(/^FAIL {2}fraud\/2 {2}manifest\.json is not valid JSON: /m);
  });

  it('an empty repository, a missing one, an unknown --model', async () => {
    expect(await validate(repo.dir)).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL  no model versions in ${repo.dir}`) });
    const missing = join(repo.dir, 'nope');
    expect(await validate(missing)).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL  model repository ${missing} cannot be read: ENOENT`) });
    await pack(sources.fraud, 'fraud');
    expect(await validate(repo.dir, '--model', 'other')).toMatchObject({ code: 1, out: expect.stringContaining(`FAIL  no model 'other' in ${repo.dir}`) });
  });
});

describe('versions without a manifest', () => {
  beforeEach(async () => {
    await repo.addShipped('fraud');
  });

  it('pass when they load and fit their config, reported as such', async () => {
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(0);
    expect(out).toContain('ok    fraud/1  no manifest: loads and fits config.json, outputs not checked (--strict fails it)');
    expect(out).toContain('(0 ok, 0 failed, 1 without manifest)');
  });

  it('fail with --strict', async () => {
    const { code, out } = await validate(repo.dir, '--strict');
    expect(code).toBe(1);
    expect(out).toContain('FAIL  fraud/1  no manifest.json (package it with `wsinfer package`)');
  });

  it('still fail on a config that does not fit', async () => {
    await mkdir(join(repo.dir, 'fraud'), { recursive: true });
    await repo.setConfig('fraud', { maxBatchSize: 8, warmup: { batchSizes: [16] } });
    const { code, out } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(out).toContain('FAIL  fraud/1  config.json: warmup.batchSizes holds 16, more than maxBatchSize 8');
  });
});

describe('usage', () => {
  it('exits 2 for unknown options and conflicting repositories', async () => {
    expect(await validate('--bogus')).toMatchObject({ code: 2, err: expect.stringContaining('Usage: wsinfer validate [DIR]') });
    expect(await validate('a', '--models', 'b')).toMatchObject({ code: 2, err: expect.stringContaining('DIR (a) and --models (b) name different repositories') });
    expect(await validate('--help')).toMatchObject({ code: 0, out: expect.stringContaining('--strict') });
  });
});
