/**
 * Instances that poll for their next batch (server option spinWaitUs), with real worker
 * threads and onnxruntime: a worker counts itself in at the gate after a batch while the
 * gate is open, out again when its window ends, never while it is closed, and answers the
 * same either way. The gate's idle time is scripted so that it opens and closes on demand.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src/cli/serve-command.js';
import { type ModelSignature, signatureOf } from '../../src/registry/model-signature.js';
import { resolveServerOptions } from '../../src/server/server-options.js';
import { openSessionFor } from '../../src/runtime/session-factory.js';
import { InstancePool } from '../../src/workers/instance-pool.js';
import { SpinGate } from '../../src/workers/spin-gate.js';
import { SHIPPED_MODELS_DIR } from './helpers/model-repo.js';

const MODEL_PATH = join(SHIPPED_MODELS_DIR, 'fraud', '1', 'model.onnx');
const WINDOW_MS = 150;

let signature: ModelSignature;
let reference: ort.InferenceSession;
let idleCores = 0;
let nowMs = 0;
let idleMs = 0;
const gate = new SpinGate(100, { nowMs: () => nowMs, idleMs: () => idleMs });
let pool: InstancePool;

/** One sample with the given idle cores (the first after begin() is a probe). */
function sampleGate(cores: number): void {
  idleCores = cores;
  nowMs += 100;
  idleMs += idleCores * 100;
  gate.sample();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rowOf(seed: number): Float32Array {
  const width = signature.inputs[0]!.shape[1]!;
  return Float32Array.from({ length: width }, (_, i) => Math.sin(seed + i));
}

async function runOnPool(seed: number, on: InstancePool = pool): Promise<Float32Array> {
  const input = signature.inputs[0]!;
  const data = rowOf(seed);
  const result = await on.run({
    inputs: [{ name: input.name, type: 'float32', dims: [1, data.length], data }],
    outputNames: [signature.outputs[0]!.name],
  }, [data.buffer as ArrayBuffer]);
  if (!result.ok) throw new Error(result.message);
  return result.outputs[0]!.data as Float32Array;
}

async function runInProcess(seed: number): Promise<Float32Array> {
  const data = rowOf(seed);
  const out = await reference.run({ [signature.inputs[0]!.name]: new ort.Tensor('float32', data, [1, data.length]) });
  return out[signature.outputs[0]!.name]!.data as Float32Array;
}

/** One instance of fraud that polls `windowMs` after each batch while the gate allows. */
function startPool(windowMs: number): Promise<InstancePool> {
  return InstancePool.start({
    count: 1,
    loadTimeoutMs: 30_000,
    modelPath: MODEL_PATH,
    settings: { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 },
    signature,
    batchable: true,
    warmupBatchSizes: [1],
    spin: { gate: gate.buffer, windowMs },
  });
}

beforeAll(async () => {
  const probe = await openSessionFor(MODEL_PATH, 'cpu', { deviceId: 0, intraOpThreads: 1 });
  reference = probe.session;
  signature = signatureOf(reference);
  gate.begin();
  pool = await startPool(WINDOW_MS);
});

afterAll(async () => {
  await pool?.close();
  await reference?.release();
});

describe('an instance polling for its next batch', () => {
  it('never polls while the gate is closed', async () => {
    sampleGate(0.3);
    expect(gate.allowed).toBe(0);
    expect(Array.from(await runOnPool(1))).toEqual(Array.from(await runInProcess(1)));
    expect(gate.polling).toBe(0);
  });

  it('polls after a batch while the gate is open, answers the next batch the same, and stops after its window', async () => {
    for (let i = 0; i < 5; i++) sampleGate(1.5);
    expect(gate.allowed).toBe(1);
    expect(Array.from(await runOnPool(2))).toEqual(Array.from(await runInProcess(2)));
    expect(gate.polling).toBe(1);
    // The next batch arrives while it polls: same answer, and it is counted in once, not twice.
    expect(Array.from(await runOnPool(3))).toEqual(Array.from(await runInProcess(3)));
    expect(gate.polling).toBe(1);
    await sleep(WINDOW_MS + 200);
    expect(gate.polling).toBe(0);
  });

  it('counts out a worker destroyed while it polls (a model unloaded), so its place at the gate is not lost', async () => {
    for (let i = 0; i < 5; i++) sampleGate(1.5);
    const unloading = await startPool(60_000);
    expect(Array.from(await runOnPool(4, unloading))).toEqual(Array.from(await runInProcess(4)));
    // Polling for a minute: only its destruction can count it out.
    expect(gate.polling).toBe(1);
    await unloading.close();
    expect(gate.polling).toBe(0);
    expect(Array.from(await runOnPool(5))).toEqual(Array.from(await runInProcess(5)));
    expect(gate.polling).toBe(1);
  });

  it('is a server option: --spin-wait-us, 0 turns it off, and a bad value is refused by name', () => {
    expect(resolveServerOptions().spinWaitUs).toBe(1000);
    expect(parseServeArgs(['--spin-wait-us', '0'], {})).toMatchObject({ spinWaitUs: 0 });
    expect(() => parseServeArgs(['--spin-wait-us', 'soon'], {})).toThrow("--spin-wait-us must be an integer, got 'soon'");
    expect(() => resolveServerOptions({ spinWaitUs: -1 })).toThrow(/option spinWaitUs must be an integer in 0\.\.1000000/);
  });
});
