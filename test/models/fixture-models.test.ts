/**
 * The test-fixture models load in onnxruntime and compute what their names promise, so
 * a server test failing on one of them points at the server, not the fixture.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IDENTITY_DATATYPES,
  writeFixedDimModel,
  writeIdentityModel,
  writeMultiIoModel,
  writeScalarInt64Model,
  writeSlowModel,
  writeVariableLengthModel,
  type IdentityDatatype,
} from '../fixtures/fixture-models.js';
import { toOrtType } from '../../src/protocol/datatypes.js';

let dir: string;
const sessions: ort.InferenceSession[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsinfer-fixtures-'));
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
  await rm(dir, { recursive: true, force: true });
});

async function load(name: string): Promise<ort.InferenceSession> {
  const session = await ort.InferenceSession.create(join(dir, name, '1', 'model.onnx'), {
    intraOpNumThreads: 1,
  });
  sessions.push(session);
  return session;
}

const f32 = (values: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(values), dims);

describe('fixture models', () => {
  it('write <dir>/<name>/1/model.onnx and return the name', async () => {
    const names = await Promise.all([
      writeScalarInt64Model(dir),
      writeMultiIoModel(dir),
      writeFixedDimModel(dir),
      writeVariableLengthModel(dir),
      writeIdentityModel(dir, 'FP16'),
      writeSlowModel(dir),
    ]);
    expect(names).toEqual(['scalar_int64', 'multi_io', 'fixed_dim', 'var_len', 'identity_fp16', 'slow']);
    for (const name of names) {
      expect((await stat(join(dir, name, '1', 'model.onnx'))).size).toBeGreaterThan(0);
      await expect(stat(join(dir, name, 'config.json'))).rejects.toThrow();
    }
  });

  it('scalar_int64: y = x * count, with a scalar INT64 input', async () => {
    const session = await load(await writeScalarInt64Model(dir));
    expect(session.inputMetadata).toMatchObject([
      { name: 'count', type: 'int64', shape: [] },
      { name: 'x', type: 'float32', shape: [3] },
    ]);
    const out = await session.run({
      count: new ort.Tensor('int64', BigInt64Array.from([3n]), []),
      x: f32([1, -2, 0.5], [3]),
    });
    expect(out.y!.dims).toEqual([3]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([3, -6, 1.5]);
  });

  it('multi_io: sum, prod and sum_total of two batched inputs', async () => {
    const session = await load(await writeMultiIoModel(dir));
    expect(session.outputNames).toEqual(['sum', 'prod', 'sum_total']);
    const out = await session.run({
      a: f32([1, 2, 3, 4, -1, 0.5, 2, 10], [2, 4]),
      b: f32([5, 6, 7, 8, 3, 4, -2, 0.25], [2, 4]),
    });
    expect(out.sum!.dims).toEqual([2, 4]);
    expect(Array.from(out.sum!.data as Float32Array)).toEqual([6, 8, 10, 12, 2, 4.5, 0, 10.25]);
    expect(out.prod!.dims).toEqual([2, 4]);
    expect(Array.from(out.prod!.data as Float32Array)).toEqual([5, 12, 21, 32, -3, 2, -4, 2.5]);
    expect(out.sum_total!.dims).toEqual([2]);
    expect(Array.from(out.sum_total!.data as Float32Array)).toEqual([36, 16.75]);
  });

  it('fixed_dim: Relu over a fixed [2, 3] input', async () => {
    const session = await load(await writeFixedDimModel(dir));
    expect(session.inputMetadata[0]).toMatchObject({ shape: [2, 3] });
    const out = await session.run({ x: f32([-1, 0, 2, 3.5, -0.25, 7], [2, 3]) });
    expect(out.y!.dims).toEqual([2, 3]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 0, 2, 3.5, 0, 7]);
  });

  it('var_len: mean over a symbolic seq dim, for any seq length', async () => {
    const session = await load(await writeVariableLengthModel(dir));
    expect(session.inputMetadata[0]).toMatchObject({ shape: ['batch', 'seq'] });
    const short = await session.run({ tokens: f32([1, 2, 3, 4, 6, 8], [2, 3]) });
    expect(short.mean!.dims).toEqual([2]);
    expect(Array.from(short.mean!.data as Float32Array)).toEqual([2, 6]);
    const long = await session.run({ tokens: f32([1, 1, 1, 1, 6], [1, 5]) });
    expect(Array.from(long.mean!.data as Float32Array)).toEqual([2]);
  });

  it('slow: returns its input exactly, batched', async () => {
    const session = await load(await writeSlowModel(dir));
    expect(session.inputMetadata[0]).toMatchObject({ shape: ['batch', 8] });
    const values = Array.from({ length: 16 }, (_, i) => Math.fround(Math.sin(i) * 3.3));
    const out = await session.run({ x: f32(values, [2, 8]) });
    expect(out.y!.dims).toEqual([2, 8]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual(values);
  });

  it('slow: fewer steps still computes the same function', async () => {
    const fastDir = join(dir, 'fast');
    await writeSlowModel(fastDir, { steps: 2 });
    const session = await ort.InferenceSession.create(join(fastDir, 'slow', '1', 'model.onnx'));
    sessions.push(session);
    const out = await session.run({ x: f32([1, -2, 3, -4, 5, -6, 7, -8], [1, 8]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([1, -2, 3, -4, 5, -6, 7, -8]);
  });
});

/** Edge values per datatype: extremes, zero, and (for floats) values that lose bits if narrowed. */
const SAMPLES: Record<IdentityDatatype, ort.Tensor.DataType> = {
  BOOL: Uint8Array.from([1, 0, 0, 1]),
  UINT8: Uint8Array.from([0, 255, 1, 128]),
  UINT16: Uint16Array.from([0, 65535, 1, 40000]),
  UINT32: Uint32Array.from([0, 4294967295, 1, 3000000000]),
  UINT64: BigUint64Array.from([0n, 18446744073709551615n, 1n, 9007199254740993n]),
  INT8: Int8Array.from([-128, 127, 0, -1]),
  INT16: Int16Array.from([-32768, 32767, 0, -1]),
  INT32: Int32Array.from([-2147483648, 2147483647, 0, -7]),
  INT64: BigInt64Array.from([-9223372036854775808n, 9223372036854775807n, 0n, -9007199254740993n]),
  // Raw half-precision patterns: 1.0, -2.0, 65504 (max), smallest subnormal.
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]),
  FP32: Float32Array.from([Math.fround(Math.PI), -3.4e38, 1e-45, 0]),
  FP64: Float64Array.from([Math.PI, -1e300, 5e-324, 0.1]),
};

describe.each(IDENTITY_DATATYPES)('identity_%s', (datatype) => {
  it('round-trips [batch, 2] values unchanged', async () => {
    const name = await writeIdentityModel(dir, datatype);
    expect(name).toBe(`identity_${datatype.toLowerCase()}`);
    const session = await load(name);
    const ortType = toOrtType(datatype);
    expect(session.inputMetadata[0]).toMatchObject({ name: 'x', type: ortType, shape: ['batch', 2] });
    const input = SAMPLES[datatype];
    const out = await session.run({ x: new ort.Tensor(ortType as ort.Tensor.Type, input, [2, 2]) });
    expect(out.y!.type).toBe(ortType);
    expect(out.y!.dims).toEqual([2, 2]);
    expect(out.y!.data).toEqual(input);
  });
});
