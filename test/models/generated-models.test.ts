/**
 * The shipped example models: regenerating reproduces the committed bytes, and each
 * model loads in onnxruntime and answers with the documented shapes and values.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MODELS, MODELS_DIR, generateModels } from '../../models/generate.js';
import { onnx } from '../../models/lib/onnx-graph.js';

const REPO_ROOT = join(MODELS_DIR, '..');

interface Signature {
  readonly input: string;
  readonly inputDims: readonly number[];
  readonly output: string;
  readonly outputDims: readonly number[];
}

const SIGNATURES: Record<string, Signature> = {
  fraud: { input: 'features', inputDims: [30], output: 'probabilities', outputDims: [2] },
  cnn: { input: 'image', inputDims: [1, 28, 28], output: 'scores', outputDims: [10] },
  medium: { input: 'x', inputDims: [512], output: 'y', outputDims: [256] },
};

function committedModel(name: string): string {
  return join(MODELS_DIR, name, '1', 'model.onnx');
}

/** Deterministic, varied input rows; row r is the same whatever the batch size. */
function inputRows(batch: number, rowSize: number): Float32Array {
  const data = new Float32Array(batch * rowSize);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 2;
  return data;
}

describe('generate.ts', () => {
  let outDir: string;
  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'wsinfer-models-'));
  });
  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('reproduces the committed model and config bytes', async () => {
    const written = await generateModels(outDir);
    expect(written.map((w) => w.name)).toEqual(['fraud', 'cnn', 'medium']);
    for (const model of EXAMPLE_MODELS) {
      const fresh = await readFile(join(outDir, model.name, '1', 'model.onnx'));
      const committed = await readFile(committedModel(model.name));
      expect(fresh.equals(committed), `${model.name}/1/model.onnx differs; run npm run models`).toBe(true);
      const freshConfig = await readFile(join(outDir, model.name, 'config.json'), 'utf8');
      const committedConfig = await readFile(join(MODELS_DIR, model.name, 'config.json'), 'utf8');
      expect(freshConfig).toBe(committedConfig);
    }
  });

  it('writes into --out DIR when run as a script', async () => {
    const cliDir = join(outDir, 'cli');
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(MODELS_DIR, 'generate.ts'), '--out', cliDir],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    const fresh = await readFile(join(cliDir, 'fraud', '1', 'model.onnx'));
    expect(fresh.equals(await readFile(committedModel('fraud')))).toBe(true);
  });

  it('rejects unknown arguments', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(MODELS_DIR, 'generate.ts'), '--bogus'],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/unknown argument --bogus/);
  });
});

describe('committed configs', () => {
  it.each(EXAMPLE_MODELS.map((m) => m.name))('%s: batching settings agree with each other', async (name) => {
    const config = JSON.parse(await readFile(join(MODELS_DIR, name, 'config.json'), 'utf8'));
    expect(config.maxBatchSize).toBeGreaterThan(0);
    const preferred: number[] = config.dynamicBatching.preferredBatchSizes;
    expect(Math.max(...preferred)).toBeLessThanOrEqual(config.maxBatchSize);
    expect(Math.max(...config.warmup.batchSizes)).toBeLessThanOrEqual(config.maxBatchSize);
    // Dispatch waits for a free instance; on CPU an added delay only costs latency (models/README.md).
    expect(config.dynamicBatching.maxQueueDelayUs).toBe(0);
  });

  it('medium batches at most 32 and runs one instance per core', async () => {
    const medium = JSON.parse(await readFile(join(MODELS_DIR, 'medium', 'config.json'), 'utf8'));
    expect(medium.maxBatchSize).toBe(32);
    expect(medium.instanceGroup).toEqual([{ kind: 'auto', count: 2 }]);
  });
});

describe('committed model files', () => {
  it.each(EXAMPLE_MODELS.map((m) => m.name))('%s: opset 17, IR 8, producer wsinfer-models', async (name) => {
    const model = onnx.ModelProto.decode(await readFile(committedModel(name)));
    expect(Number(model.irVersion)).toBe(8);
    expect(model.producerName).toBe('wsinfer-models');
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
  });

  it('medium holds 2-4 M float parameters', async () => {
    const model = onnx.ModelProto.decode(await readFile(committedModel('medium')));
    const floats = (model.graph?.initializer ?? [])
      .filter((t) => t.dataType === onnx.TensorProto.DataType.FLOAT)
      .reduce((sum, t) => sum + (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1), 0);
    expect(floats).toBeGreaterThan(2_000_000);
    expect(floats).toBeLessThan(4_000_000);
  });
});

describe.each(Object.entries(SIGNATURES))('%s in onnxruntime', (name, sig) => {
  let session: ort.InferenceSession;
  const rowSize = sig.inputDims.reduce((a, b) => a * b, 1);
  const outRow = sig.outputDims.reduce((a, b) => a * b, 1);

  beforeAll(async () => {
    session = await ort.InferenceSession.create(committedModel(name), { intraOpNumThreads: 1 });
  });
  afterAll(async () => {
    await session.release();
  });

  async function run(batch: number): Promise<ort.Tensor> {
    const x = new ort.Tensor('float32', inputRows(batch, rowSize), [batch, ...sig.inputDims]);
    const result = await session.run({ [sig.input]: x });
    return result[sig.output]!;
  }

  it('declares one FP32 input and output with a symbolic batch dim', () => {
    expect(session.inputNames).toEqual([sig.input]);
    expect(session.outputNames).toEqual([sig.output]);
    expect(session.inputMetadata[0]).toMatchObject({ type: 'float32', shape: ['batch', ...sig.inputDims] });
    expect(session.outputMetadata[0]).toMatchObject({ type: 'float32', shape: ['batch', ...sig.outputDims] });
  });

  it.each([1, 8])('answers batch %i with [batch, ...] outputs, rows independent of the batch', async (batch) => {
    const out = await run(batch);
    expect(out.dims).toEqual([batch, ...sig.outputDims]);
    const data = out.data as Float32Array;
    expect(data.every(Number.isFinite)).toBe(true);
    // Not a constant function: rows that differ give outputs that differ.
    if (batch > 1) expect(data.slice(0, outRow)).not.toEqual(data.slice(outRow, 2 * outRow));
    const single = (await run(1)).data as Float32Array;
    for (let i = 0; i < outRow; i++) expect(data[i]).toBeCloseTo(single[i]!, 4);
  });

  if (name === 'fraud') {
    it('gives probabilities that sum to 1 per row', async () => {
      const data = (await run(8)).data as Float32Array;
      for (let r = 0; r < 8; r++) {
        expect(data[2 * r]).toBeGreaterThanOrEqual(0);
        expect(data[2 * r + 1]).toBeGreaterThanOrEqual(0);
        expect(data[2 * r]! + data[2 * r + 1]!).toBeCloseTo(1, 5);
      }
    });
  }
});
