import { describe, expect, it } from 'vitest';
import { type ModelMetadata, httpOrigin, inputSetsFromJson, parseShapeOption, randomInputSets, resolveInputShapes } from '../../src/bench/model-inputs.js';

const cnn: ModelMetadata = {
  name: 'cnn', max_batch_size: 64,
  inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 1, 28, 28] }],
  outputs: [{ name: 'scores', datatype: 'FP32', shape: [-1, 10] }],
};
const dynamic: ModelMetadata = {
  name: 'seq', max_batch_size: 8,
  inputs: [{ name: 'tokens', datatype: 'INT64', shape: [-1, -1] }, { name: 'mask', datatype: 'BOOL', shape: [-1, -1] }],
  outputs: [],
};

describe('resolveInputShapes', () => {
  it('puts --batch in dim 0 of a batching model', () => {
    expect(resolveInputShapes(cnn, 4, new Map())[0]!.shape).toEqual([4, 1, 28, 28]);
  });

  it('takes --shape with or without the batch dim', () => {
    expect(resolveInputShapes(dynamic, 2, new Map([['tokens', [16]], ['mask', [2, 16]]])).map((s) => s.shape)).toEqual([[2, 16], [2, 16]]);
  });

  it('asks for --shape when a dim stays dynamic', () => {
    expect(() => resolveInputShapes(dynamic, 1, new Map())).toThrow(/--shape tokens:N,N/);
  });

  it('refuses --batch for a model that does not batch or beyond its max_batch_size, and unknown --shape names', () => {
    expect(() => resolveInputShapes({ ...cnn, max_batch_size: 0 }, 2, new Map())).toThrow(/does not batch/);
    expect(() => resolveInputShapes({ ...cnn, max_batch_size: 64 }, 65, new Map())).toThrow("model 'cnn' takes at most 64 rows per request (max_batch_size): --batch 65 is more");
    expect(resolveInputShapes({ ...cnn, max_batch_size: 64 }, 64, new Map())[0]!.shape[0]).toBe(64);
    expect(() => resolveInputShapes(cnn, 1, new Map([['nope', [1]]]))).toThrow(/--shape names 'nope'/);
  });
});

describe('input sets', () => {
  it('are random but repeatable, of the right datatype and size', () => {
    const specs = resolveInputShapes(dynamic, 2, new Map([['tokens', [3]], ['mask', [3]]]));
    const a = randomInputSets(specs, 2, true, 5);
    const b = randomInputSets(specs, 2, true, 5);
    expect(a).toEqual(b);
    expect(a[0]!.rows).toBe(2);
    expect(a[0]!.tensors[0]!.data).toBeInstanceOf(BigInt64Array);
    expect(a[0]!.tensors[1]!.data).toBeInstanceOf(Uint8Array);
    expect(a[0]!.tensors[0]!.data.length).toBe(6);
    expect(a[0]!.tensors[0]!.data).not.toEqual(a[1]!.tensors[0]!.data);
  });

  it('come from perf_analyzer-style JSON, flat or nested, with or without a shape', () => {
    const specs = [{ name: 'x', datatype: 'FP32' as const, shape: [1, 2] }];
    const sets = inputSetsFromJson({ data: [{ x: [1, 2] }, { x: { content: [[1, 2], [3, 4]], shape: [2, 2] } }] }, specs, true);
    expect(Array.from(sets[0]!.tensors[0]!.data as Float32Array)).toEqual([1, 2]);
    expect(sets[1]!.tensors[0]!.shape).toEqual([2, 2]);
    expect(sets[1]!.rows).toBe(2);
    expect(() => inputSetsFromJson({ data: [{ x: [1] }] }, specs, true)).toThrow(/1 values for shape \[1, 2\]/);
    expect(() => inputSetsFromJson({ data: [{ y: [1, 2] }] }, specs, true)).toThrow(/has no 'x'/);
  });
});

describe('small parsers', () => {
  it('read --shape and the HTTP origin of a WebSocket URL', () => {
    expect(parseShapeOption('image:1,28,28')).toEqual(['image', [1, 28, 28]]);
    expect(() => parseShapeOption('image')).toThrow();
    expect(httpOrigin('ws://127.0.0.1:8080/ws')).toBe('http://127.0.0.1:8080');
    expect(httpOrigin('wss://example.com/ws')).toBe('https://example.com');
  });
});
