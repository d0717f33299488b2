/**
 * runInPlace: the session runs before the call returns (no event-loop turn), with the
 * same outputs as session.run, and setImmediate is itself again afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInPlace } from '../../../src/runtime/run-in-place.js';
import { writeScaleModelVersion } from '../../fixtures/fixture-models.js';

let dir: string;
let session: ort.InferenceSession;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsinfer-run-in-place-'));
  await writeScaleModelVersion(dir, 'scale', 1, 3);
  session = await ort.InferenceSession.create(join(dir, 'scale', '1', 'model.onnx'));
});

afterAll(async () => {
  await session.release();
  await rm(dir, { recursive: true, force: true });
});

const feeds = () => ({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from([1, -2, 0.5, 4, 5, 6, 7, 8]), [2, 4]) });

describe('runInPlace', () => {
  it('gives the outputs session.run gives', async () => {
    const expected = await session.run(feeds());
    const actual = await runInPlace(session, feeds(), session.outputNames);
    const name = session.outputNames[0]!;
    expect(actual[name]!.dims).toEqual([2, 4]);
    expect(Array.from(actual[name]!.data as Float32Array)).toEqual(Array.from(expected[name]!.data as Float32Array));
    expect(Array.from(actual[name]!.data as Float32Array)).toEqual([3, -6, 1.5, 12, 15, 18, 21, 24]);
  });

  it('has run before any immediate queued ahead of it', async () => {
    let turned = false;
    setImmediate(() => { turned = true; });
    await runInPlace(session, feeds(), session.outputNames);
    expect(turned).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(turned).toBe(true);
  });

  it('leaves setImmediate as it found it, also when the run throws', async () => {
    const original = globalThis.setImmediate;
    await expect(runInPlace(session, { wrong: new ort.Tensor('float32', new Float32Array(4), [1, 4]) }, session.outputNames)).rejects.toThrow();
    expect(globalThis.setImmediate).toBe(original);
  });
});
