/**
 * `wsinfer package` run in-process: what lands in the repository (model bytes, manifest
 * fields checked against the file and against onnxruntime), what it prints, versions
 * that count up and are never overwritten, and the inputs it refuses.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packageCommand } from '../../src/cli/package-command.js';
import { TempModelRepo } from '../integration/helpers/model-repo.js';
import { referenceRun } from '../integration/helpers/reference-run.js';
import { type SourceModels, captureIo, readJson, writeJson, writeSourceModels } from './lifecycle-fixtures.js';

let sources: SourceModels;
let repo: TempModelRepo;

beforeAll(async () => { sources = await writeSourceModels(); });
afterAll(async () => { await sources.dir.remove(); });
beforeEach(async () => { repo = await TempModelRepo.create(); });
afterEach(async () => { await repo.remove(); });

async function pack(...args: string[]) {
  const io = captureIo();
  const code = await packageCommand([...args, '--models', repo.dir], io);
  return { code, out: io.out(), err: io.err() };
}

describe('packaging the shipped fraud model', () => {
  it('writes model.onnx and a manifest that describes that file', async () => {
    const { code, out } = await pack(sources.fraud, '--name', 'fraud');
    expect(code).toBe(0);
    expect(out).toContain('packaged fraud version 1 in');
    expect(out).toContain('features FP32 [-1, 30]');

    const versionDir = join(repo.dir, 'fraud', '1');
    const bytes = await readFile(join(versionDir, 'model.onnx'));
    expect(bytes.equals(await readFile(sources.fraud))).toBe(true);
    const manifest = await readJson(join(versionDir, 'manifest.json'));
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(out).toContain(manifest.sha256);
    expect(manifest).toMatchObject({
      schemaVersion: 1,
      name: 'fraud',
      version: '1',
      sizeBytes: bytes.length,
      irVersion: 8,
      opset: { 'ai.onnx': 17 },
      producer: { name: 'wsinfer-models', version: '' },
      graphName: 'fraud',
      signature: {
        inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 30] }],
        outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 2] }],
      },
      sample: { tolerance: { rtol: 1e-3, atol: 1e-5 } },
    });
    expect(Number.isNaN(Date.parse(manifest.createdAt))).toBe(false);
    expect(manifest.reference).toBeUndefined();
  });

  it('stores a sample input (dynamic dims 1) with exactly the output onnxruntime gives for it', async () => {
    await pack(sources.fraud, '--name', 'fraud');
    const { sample } = await readJson(join(repo.dir, 'fraud', '1', 'manifest.json'));
    expect(sample.inputs).toHaveLength(1);
    expect(sample.inputs[0]).toMatchObject({ name: 'features', datatype: 'FP32', shape: [1, 30] });
    const features = Float32Array.from(sample.inputs[0].data as number[]);
    expect(features.every((v) => v >= -1 && v < 1)).toBe(true);
    const expected = await referenceRun(sources.fraud, { features: new ort.Tensor('float32', features, [1, 30]) }, 'probabilities');
    expect(sample.outputs[0]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [1, 2] });
    expect(Float32Array.from(sample.outputs[0].data as number[])).toEqual(expected);
  });

  it('makes the same sample every time, so two packages of one file differ only in version and time', async () => {
    await pack(sources.fraud, '--name', 'fraud');
    await pack(sources.fraud, '--name', 'fraud');
    const one = await readJson(join(repo.dir, 'fraud', '1', 'manifest.json'));
    const two = await readJson(join(repo.dir, 'fraud', '2', 'manifest.json'));
    expect({ ...two, version: '1', createdAt: one.createdAt }).toEqual(one);
  });

  it('counts versions up from the highest existing one, or from --version', async () => {
    expect((await pack(sources.fraud, '--name', 'fraud')).out).toContain('packaged fraud version 1');
    expect((await pack(sources.fraud, '--name', 'fraud')).out).toContain('packaged fraud version 2');
    expect((await pack(sources.fraud, '--name', 'fraud', '--version', '7')).out).toContain('packaged fraud version 7');
    expect((await pack(sources.fraud, '--name', 'fraud')).out).toContain('packaged fraud version 8');
    expect((await readdir(join(repo.dir, 'fraud'))).sort()).toEqual(['1', '2', '7', '8']);
  });

  it('refuses to overwrite a version, leaving it as it was and nothing else behind', async () => {
    await pack(sources.fraud, '--name', 'fraud');
    const before = await readFile(join(repo.dir, 'fraud', '1', 'manifest.json'), 'utf8');
    const { code, out, err } = await pack(sources.multiIo, '--name', 'fraud', '--version', '1');
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^wsinfer package: fraud version 1 already exists at .*fraud\/1; versions are never overwritten — choose another version, or leave it out to get the next \(2\)\n$/);
    expect(await readFile(join(repo.dir, 'fraud', '1', 'manifest.json'), 'utf8')).toBe(before);
    expect(await readdir(join(repo.dir, 'fraud'))).toEqual(['1']);
  });

  it('records --tolerance and --reference statistics in the manifest', async () => {
    const rows = Array.from({ length: 11 }, (_, i) => Array.from({ length: 30 }, (_, f) => i + f));
    const referencePath = join(sources.dir.dir, 'fraud-reference.json');
    await writeJson(referencePath, { features: rows });
    const { code, out } = await pack(sources.fraud, '--name', 'fraud', '--tolerance', 'rtol=0.01', '--reference', referencePath);
    expect(code).toBe(0);
    expect(out).toContain('reference      features: 30 feature(s) × 11 value(s)');
    const manifest = await readJson(join(repo.dir, 'fraud', '1', 'manifest.json'));
    expect(manifest.sample.tolerance).toEqual({ rtol: 0.01, atol: 1e-5 });
    const features = manifest.reference.inputs.features;
    expect(features).toHaveLength(30);
    expect(features[0]).toMatchObject({ count: 11, mean: 5, min: 0, max: 10, bins: { edges: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } });
    expect(features[29]).toMatchObject({ min: 29, max: 39 });
  });
});

describe('packaging fixture models', () => {
  it('multi_io: both inputs sampled, all three outputs recorded', async () => {
    expect((await pack(sources.multiIo, '--name', 'multi_io')).code).toBe(0);
    const manifest = await readJson(join(repo.dir, 'multi_io', '1', 'manifest.json'));
    expect(manifest.signature).toEqual({
      inputs: [{ name: 'a', datatype: 'FP32', shape: [-1, 4] }, { name: 'b', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'sum', datatype: 'FP32', shape: [-1, 4] },
        { name: 'prod', datatype: 'FP32', shape: [-1, 4] },
        { name: 'sum_total', datatype: 'FP32', shape: [-1] },
      ],
    });
    const [a, b] = manifest.sample.inputs.map((t: { data: number[] }) => t.data);
    expect(manifest.sample.inputs.map((t: { shape: number[] }) => t.shape)).toEqual([[1, 4], [1, 4]]);
    const [sum, prod, total] = manifest.sample.outputs;
    expect(sum.data).toEqual(a.map((v: number, i: number) => Math.fround(v + b[i])));
    expect(prod.data).toEqual(a.map((v: number, i: number) => Math.fround(v * b[i])));
    expect(total.shape).toEqual([1]);
    expect(total.data[0]).toBeCloseTo(sum.data.reduce((x: number, y: number) => x + y, 0), 5);
  });

  it('scalar_int64: a small positive integer for the INT64 scalar', async () => {
    expect((await pack(sources.scalarInt64, '--name', 'scalar_int64')).code).toBe(0);
    const manifest = await readJson(join(repo.dir, 'scalar_int64', '1', 'manifest.json'));
    const [count, x] = manifest.sample.inputs;
    expect(count).toMatchObject({ name: 'count', datatype: 'INT64', shape: [] });
    expect(Number.isInteger(count.data[0]) && count.data[0] >= 1 && count.data[0] <= 3).toBe(true);
    expect(x).toMatchObject({ name: 'x', datatype: 'FP32', shape: [3] });
    expect(manifest.sample.outputs[0].data).toEqual(x.data.map((v: number) => Math.fround(v * count.data[0])));
  });

  it('takes the sample from --sample, as an OIP request body', async () => {
    const samplePath = join(sources.dir.dir, 'scalar-sample.json');
    await writeJson(samplePath, { inputs: [
      { name: 'x', datatype: 'FP32', shape: [3], data: [1, 2, 3] },
      { name: 'count', datatype: 'INT64', shape: [], data: [2] },
    ] });
    const { code, out } = await pack(sources.scalarInt64, '--name', 'scalar_int64', '--sample', samplePath);
    expect(code).toBe(0);
    expect(out).toContain('sample         from the sample file');
    const manifest = await readJson(join(repo.dir, 'scalar_int64', '1', 'manifest.json'));
    expect(manifest.sample.inputs.map((t: { name: string }) => t.name)).toEqual(['count', 'x']);
    expect(manifest.sample.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [3], data: [2, 4, 6] }]);
  });
});

describe('what package refuses', () => {
  it('a sample that does not fit the model, writing nothing', async () => {
    const samplePath = join(sources.dir.dir, 'bad-sample.json');
    await writeJson(samplePath, { inputs: [{ name: 'count', datatype: 'INT64', shape: [], data: [2] }] });
    const { code, err } = await pack(sources.scalarInt64, '--name', 'scalar_int64', '--sample', samplePath);
    expect(code).toBe(1);
    expect(err).toBe("wsinfer package: sample: missing input 'x' (FP32 [3])\n");
    await expect(stat(join(repo.dir, 'scalar_int64'))).rejects.toThrow(/ENOENT/);
  });

  it("a model that does not fit the model folder's config.json", async () => {
    await mkdir(join(repo.dir, 'scalar_int64'));
    await repo.setConfig('scalar_int64', { maxBatchSize: 8 });
    const { code, err } = await pack(sources.scalarInt64, '--name', 'scalar_int64');
    expect(code).toBe(1);
    expect(err).toContain('config.json: maxBatchSize is 8, but the model cannot batch');
    expect((await readdir(join(repo.dir, 'scalar_int64'))).sort()).toEqual(['config.json']);
  });

  it('a file that is not ONNX', async () => {
    const notOnnx = join(sources.dir.dir, 'notes.txt');
    await writeJson(notOnnx, { hello: 'world' });
    const { code, err } = await pack(notOnnx, '--name', 'notes');
    expect(code).toBe(1);
    expect(err).toContain(`wsinfer package: ${notOnnx} is not an ONNX model`);
    await expect(stat(join(repo.dir, 'notes'))).rejects.toThrow(/ENOENT/);
  });

  it('usage errors exit 2 with the usage text', async () => {
    for (const args of [[sources.fraud], ['--name', 'fraud'], [sources.fraud, '--name', 'fraud', '--tolerance', 'loose'], [sources.fraud, '--name', 'fraud', '--bogus']]) {
      const { code, err } = await pack(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain('Usage: wsinfer package <model.onnx> --name <name>');
    }
  });

  it('bad names and versions exit 1 naming the rule', async () => {
    expect((await pack(sources.fraud, '--name', '../escape')).err).toContain("model name '../escape' must start with a letter or digit");
    expect((await pack(sources.fraud, '--name', 'fraud', '--version', '01')).err).toContain("version '01' must be a positive integer");
  });
});
