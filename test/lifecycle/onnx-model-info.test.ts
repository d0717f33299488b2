/**
 * ONNX metadata read from the protobuf wire format, checked against models written with
 * onnx-proto: the shipped ones, and one whose graph outgrows the reader's 64 KiB window
 * so that the opsets (stored after the graph) are reached by skipping it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOnnxModelInfo, readOnnxModelInfo } from '../../src/lifecycle/onnx-model-info.js';
import { onnx } from '../../models/lib/onnx-graph.js';
import { rejectionOf } from '../unit/thrown-error.js';
import { FRAUD_ONNX } from './lifecycle-fixtures.js';

let dir: string;

beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'wsinfer-onnx-info-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** Identity chains: `nodes` nodes before the graph name's field, a 200 KiB initializer after. */
function bigModel(nodes: number): Uint8Array {
  const node = Array.from({ length: nodes }, (_, i) => ({ opType: 'Identity', name: `n${i}`, input: [i === 0 ? 'x' : `t${i - 1}`], output: [i === nodes - 1 ? 'y' : `t${i}`] }));
  const model = onnx.ModelProto.create({
    irVersion: 9,
    producerName: 'test-producer',
    producerVersion: '1.2.3',
    modelVersion: 42,
    docString: 'd'.repeat(1000),
    opsetImport: [{ domain: '', version: 18 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'big_graph',
      node,
      initializer: [{ name: 'w', dataType: 1, dims: [51200], rawData: new Uint8Array(51200 * 4) }],
      input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }] } } } }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

describe('readOnnxModelInfo', () => {
  it('reads the shipped fraud model', async () => {
    expect(await readOnnxModelInfo(FRAUD_ONNX)).toEqual({
      irVersion: 8, producerName: 'wsinfer-models', producerVersion: '', opset: { 'ai.onnx': 17 }, graphName: 'fraud',
    });
  });

  it('reads a model larger than its read window, from a file and from bytes alike', async () => {
    const bytes = bigModel(3000);
    expect(bytes.byteLength).toBeGreaterThan(3 * 64 * 1024);
    const path = join(dir, 'big.onnx');
    await writeFile(path, bytes);
    const expected = { irVersion: 9, producerName: 'test-producer', producerVersion: '1.2.3', opset: { 'ai.onnx': 18, 'com.microsoft': 1 }, graphName: 'big_graph' };
    expect(await readOnnxModelInfo(path)).toEqual(expected);
    expect(await parseOnnxModelInfo(bytes)).toEqual(expected);
  });

  it('refuses files that are not ONNX models', async () => {
    const cases: Array<[string, Uint8Array | string]> = [
      ['text.onnx', '{"hello": "world"}\n'],
      ['truncated.onnx', bigModel(10).subarray(0, 200)],
      ['empty.onnx', new Uint8Array(0)],
    ];
    for (const [name, content] of cases) {
      const path = join(dir, name);
      await writeFile(path, content);
      const error = await rejectionOf(readOnnxModelInfo(path));
      expect(error.code).toBe('ERR_MODEL_LOAD_FAILED');
      expect(error.message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')} is not an ONNX model \\(.+\\)$`));
    }
    const missing = await rejectionOf(readOnnxModelInfo(join(dir, 'missing.onnx')));
    expect(missing.message).toMatch(/missing\.onnx cannot be read: ENOENT/);
  });
});
