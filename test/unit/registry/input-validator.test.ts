/**
 * A request checked against its model before admission: every mismatch is ERR_INPUT_INVALID
 * naming what is wrong, and what passes comes out in the model's order with its batch rows
 * and shape key.
 */
import { describe, expect, it } from 'vitest';
import type { Datatype } from '../../../src/protocol/datatypes.js';
import type { InferRequest } from '../../../src/protocol/infer-request.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import { validateInputs } from '../../../src/registry/input-validator.js';
import type { ModelSignature } from '../../../src/registry/model-signature.js';
import { thrownBy } from '../thrown-error.js';

/** Two inputs in a fixed order, a fixed inner dim on one, two outputs. */
const signature: ModelSignature = {
  inputs: [
    { name: 'features', datatype: 'FP32', shape: [-1, 3] },
    { name: 'ids', datatype: 'INT64', shape: [-1] },
  ],
  outputs: [
    { name: 'score', datatype: 'FP32', shape: [-1, 1] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

/** Variable-length sequences: the inner dim is dynamic too. */
const sequenceSignature: ModelSignature = {
  inputs: [{ name: 'tokens', datatype: 'INT64', shape: [-1, -1] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
};

function tensor(name: string, datatype: Datatype, shape: number[]): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = datatype === 'INT64' ? new BigInt64Array(count) : datatype === 'FP64' ? new Float64Array(count) : new Float32Array(count);
  return { name, datatype, shape, data };
}

function inferRequest(inputs: Tensor[], outputs?: string[]): InferRequest {
  return { id: 'r1', model: 'm', inputs, ...(outputs ? { outputs } : {}), parameters: { extra: {} }, binaryData: false };
}

const rowsOf = (n: number, inner = 3) => [tensor('features', 'FP32', [n, inner]), tensor('ids', 'INT64', [n])];

function rejection(inputs: Tensor[], outputs?: string[], maxBatchSize = 8): string {
  const error = thrownBy(() => validateInputs(inferRequest(inputs, outputs), signature, maxBatchSize));
  expect(error.code).toBe('ERR_INPUT_INVALID');
  return error.message;
}

describe('validateInputs accepts', () => {
  it('a matching request, returning rows and all outputs in the model order', () => {
    const validated = validateInputs(inferRequest(rowsOf(2)), signature, 8);
    expect(validated.rows).toBe(2);
    expect(validated.inputs.map((t) => t.name)).toEqual(['features', 'ids']);
    expect(validated.outputNames).toEqual(['score', 'label']);
  });

  it('inputs given in another order, returning them in the model order', () => {
    const [features, ids] = rowsOf(1);
    const validated = validateInputs(inferRequest([ids!, features!]), signature, 8);
    expect(validated.inputs.map((t) => t.name)).toEqual(['features', 'ids']);
    expect(validated.inputs[0]).toBe(features);
  });

  it('a subset of outputs, keeping the order asked for', () => {
    expect(validateInputs(inferRequest(rowsOf(1), ['label']), signature, 8).outputNames).toEqual(['label']);
  });

  it('rows equal to maxBatchSize', () => {
    expect(validateInputs(inferRequest(rowsOf(8)), signature, 8).rows).toBe(8);
  });
});

describe('validateInputs rejects with ERR_INPUT_INVALID', () => {
  it('a missing input, naming it', () => {
    expect(rejection([tensor('features', 'FP32', [1, 3])])).toContain("'ids'");
  });

  it('an unknown input, naming it', () => {
    expect(rejection([...rowsOf(1), tensor('extra', 'FP32', [1])])).toContain("'extra'");
  });

  it('a wrong datatype, naming both', () => {
    const message = rejection([tensor('features', 'FP64', [1, 3]), tensor('ids', 'INT64', [1])]);
    expect(message).toContain("'features'");
    expect(message).toContain('FP64');
    expect(message).toContain('FP32');
  });

  it('a wrong rank', () => {
    const message = rejection([tensor('features', 'FP32', [1, 3, 1]), tensor('ids', 'INT64', [1])]);
    expect(message).toContain("'features'");
    expect(message).toContain('rank');
  });

  it('a fixed dim that does not match, naming the dim', () => {
    const message = rejection(rowsOf(2, 4));
    expect(message).toContain("'features'");
    expect(message).toContain('dim 1');
  });

  it('inputs that disagree on dim 0', () => {
    const message = rejection([tensor('features', 'FP32', [2, 3]), tensor('ids', 'INT64', [3])]);
    expect(message).toContain('dim 0');
    expect(message).toContain("'ids'");
  });

  it('more rows than maxBatchSize', () => {
    expect(rejection(rowsOf(9))).toContain('maxBatchSize 8');
  });

  it('zero rows', () => {
    expect(rejection(rowsOf(0))).toContain('dim 0');
  });

  it('an unknown requested output, naming it', () => {
    expect(rejection(rowsOf(1), ['score', 'logits'])).toContain("'logits'");
  });
});

describe('validateInputs shape keys', () => {
  it('are equal for requests whose inner dims match, whatever their rows', () => {
    const one = validateInputs(inferRequest(rowsOf(1)), signature, 8);
    const five = validateInputs(inferRequest(rowsOf(5)), signature, 8);
    expect(one.shapeKey).toBe(five.shapeKey);
  });

  it('differ for requests whose dynamic inner dims differ', () => {
    const short = validateInputs(inferRequest([tensor('tokens', 'INT64', [2, 7])]), sequenceSignature, 8);
    const long = validateInputs(inferRequest([tensor('tokens', 'INT64', [2, 9])]), sequenceSignature, 8);
    const shortAgain = validateInputs(inferRequest([tensor('tokens', 'INT64', [4, 7])]), sequenceSignature, 8);
    expect(short.shapeKey).not.toBe(long.shapeKey);
    expect(short.shapeKey).toBe(shortAgain.shapeKey);
  });
});

describe('validateInputs for models that do not batch (maxBatchSize 0)', () => {
  const fixed: ModelSignature = {
    inputs: [{ name: 'image', datatype: 'FP32', shape: [1, 3, 2, 2] }],
    outputs: [{ name: 'class', datatype: 'INT64', shape: [1] }],
  };

  it('counts one row per request', () => {
    const validated = validateInputs(inferRequest([tensor('image', 'FP32', [1, 3, 2, 2])]), fixed, 0);
    expect(validated.rows).toBe(1);
    expect(validated.outputNames).toEqual(['class']);
  });

  it('still checks fixed dims', () => {
    const error = thrownBy(() => validateInputs(inferRequest([tensor('image', 'FP32', [2, 3, 2, 2])]), fixed, 0));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain('dim 0');
  });
});
