/**
 * The typed InferRequest a WS `infer` message or an OIP body becomes: ids, routing,
 * parameters and the reply framing a client will get.
 */
import { describe, expect, it } from 'vitest';
import { decodeOipInfer, decodeWsInfer } from '../../../src/protocol/infer-request.js';
import { thrownBy } from '../thrown-error.js';

const jsonInput = { name: 'x', datatype: 'FP32', shape: [1, 2], data: [1, 2] };
const binaryInput = { name: 'x', datatype: 'FP32', shape: [1, 2], data: new Uint8Array(new Float32Array([1, 2]).buffer) };

function wsMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { op: 'infer', id: 'r1', model: 'mlp', inputs: [jsonInput], ...overrides };
}

describe('decodeWsInfer', () => {
  it('decodes a minimal message', () => {
    const request = decodeWsInfer(wsMessage());
    expect(request.id).toBe('r1');
    expect(request.model).toBe('mlp');
    expect(request.version).toBeUndefined();
    expect(request.outputs).toBeUndefined();
    expect(request.parameters).toEqual({ extra: {} });
    expect(request.binaryData).toBe(false);
    expect(request.inputs).toHaveLength(1);
    expect(request.inputs[0]!.shape).toEqual([1, 2]);
    expect(Array.from(request.inputs[0]!.data as Float32Array)).toEqual([1, 2]);
  });

  it('turns a numeric id into its string form', () => {
    expect(decodeWsInfer(wsMessage({ id: 42 })).id).toBe('42');
  });

  it('accepts an id of 256 characters and rejects 257 with ERR_PROTO_MALFORMED', () => {
    expect(decodeWsInfer(wsMessage({ id: 'a'.repeat(256) })).id).toHaveLength(256);
    expect(thrownBy(() => decodeWsInfer(wsMessage({ id: 'a'.repeat(257) }))).code).toBe('ERR_PROTO_MALFORMED');
  });

  it.each([[undefined], [null], [{}], [Infinity]])('rejects id %s with ERR_PROTO_MALFORMED', (id) => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ id }))).code).toBe('ERR_PROTO_MALFORMED');
  });

  it.each([[undefined], [''], [3]])('rejects model %s with ERR_PROTO_MALFORMED', (model) => {
    const error = thrownBy(() => decodeWsInfer(wsMessage({ model })));
    expect(error.code).toBe('ERR_PROTO_MALFORMED');
    expect(error.message).toContain('model');
  });

  it('takes a version given as a string or an integer', () => {
    expect(decodeWsInfer(wsMessage({ version: '3' })).version).toBe('3');
    expect(decodeWsInfer(wsMessage({ version: 3 })).version).toBe('3');
    expect(decodeWsInfer(wsMessage({ version: '' })).version).toBeUndefined();
  });

  it('rejects an input name given twice with ERR_INPUT_INVALID naming it', () => {
    const error = thrownBy(() => decodeWsInfer(wsMessage({ inputs: [jsonInput, jsonInput] })));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
  });

  it('rejects missing or empty inputs with ERR_INPUT_INVALID', () => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ inputs: undefined }))).code).toBe('ERR_INPUT_INVALID');
    expect(thrownBy(() => decodeWsInfer(wsMessage({ inputs: [] }))).code).toBe('ERR_INPUT_INVALID');
  });

  it('reads priority and timeout_us', () => {
    const request = decodeWsInfer(wsMessage({ parameters: { priority: 2, timeout_us: 5000 } }));
    expect(request.parameters).toEqual({ priority: 2, timeoutUs: 5000, extra: {} });
  });

  it("reads Triton's `timeout` as microseconds", () => {
    expect(decodeWsInfer(wsMessage({ parameters: { timeout: 3000 } })).parameters.timeoutUs).toBe(3000);
  });

  it('prefers timeout_us when both spellings are given', () => {
    expect(decodeWsInfer(wsMessage({ parameters: { timeout_us: 100, timeout: 3000 } })).parameters.timeoutUs).toBe(100);
  });

  it('treats priority 0 and timeout 0 as "use the model default"', () => {
    const { parameters } = decodeWsInfer(wsMessage({ parameters: { priority: 0, timeout_us: 0 } }));
    expect(parameters.priority).toBeUndefined();
    expect(parameters.timeoutUs).toBeUndefined();
  });

  it.each([[-1], [1.5], ['1']])('rejects priority %s with ERR_INPUT_INVALID', (priority) => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ parameters: { priority } }))).code).toBe('ERR_INPUT_INVALID');
  });

  it.each([[-5], ['100'], [NaN]])('rejects timeout_us %s with ERR_INPUT_INVALID', (timeoutUs) => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ parameters: { timeout_us: timeoutUs } }))).code).toBe('ERR_INPUT_INVALID');
  });

  it('keeps parameters it does not interpret in `extra`', () => {
    const { parameters } = decodeWsInfer(wsMessage({ parameters: { priority: 1, sticky_key: 'user-7', trace: true } }));
    expect(parameters.priority).toBe(1);
    expect(parameters.extra).toEqual({ sticky_key: 'user-7', trace: true });
  });

  it('rejects parameters that are not an object with ERR_PROTO_MALFORMED', () => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ parameters: [1] }))).code).toBe('ERR_PROTO_MALFORMED');
  });

  it('takes requested outputs as [{ name }] or as names', () => {
    expect(decodeWsInfer(wsMessage({ outputs: [{ name: 'y' }, { name: 'z' }] })).outputs).toEqual(['y', 'z']);
    expect(decodeWsInfer(wsMessage({ outputs: ['y'] })).outputs).toEqual(['y']);
  });

  it('rejects outputs without names with ERR_PROTO_MALFORMED', () => {
    expect(thrownBy(() => decodeWsInfer(wsMessage({ outputs: [{}] }))).code).toBe('ERR_PROTO_MALFORMED');
    expect(thrownBy(() => decodeWsInfer(wsMessage({ outputs: 'y' }))).code).toBe('ERR_PROTO_MALFORMED');
  });

  it('marks the request binary when any input carries raw bytes', () => {
    expect(decodeWsInfer(wsMessage({ inputs: [binaryInput] })).binaryData).toBe(true);
    const mixed = decodeWsInfer(wsMessage({ inputs: [binaryInput, { ...jsonInput, name: 'y' }] }));
    expect(mixed.binaryData).toBe(true);
  });

  it('passes an invalid tensor through as ERR_INPUT_INVALID', () => {
    const error = thrownBy(() => decodeWsInfer(wsMessage({ inputs: [{ ...jsonInput, data: [1] }] })));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toContain("'x'");
  });
});

describe('decodeOipInfer', () => {
  it('takes model and version from the path and the id from the body', () => {
    const request = decodeOipInfer({ id: 'abc', inputs: [jsonInput] }, 'mlp', '2', 'fallback-1');
    expect(request).toMatchObject({ id: 'abc', model: 'mlp', version: '2', binaryData: false });
  });

  it('uses the fallback id when the body has none', () => {
    expect(decodeOipInfer({ inputs: [jsonInput] }, 'mlp', undefined, 'fallback-1').id).toBe('fallback-1');
  });

  it('turns a numeric id into its string form', () => {
    expect(decodeOipInfer({ id: 9, inputs: [jsonInput] }, 'mlp', undefined, 'f').id).toBe('9');
  });

  it('reads parameters and outputs like the WS form', () => {
    const request = decodeOipInfer(
      { inputs: [jsonInput], outputs: [{ name: 'y' }], parameters: { priority: 1, timeout: 700, tag: 'a' } },
      'mlp', undefined, 'f',
    );
    expect(request.outputs).toEqual(['y']);
    expect(request.parameters).toEqual({ priority: 1, timeoutUs: 700, extra: { tag: 'a' } });
  });

  it.each([[null], ['{"inputs":[]}'], [[jsonInput]]])('rejects body %s with ERR_PROTO_MALFORMED', (body) => {
    expect(thrownBy(() => decodeOipInfer(body, 'mlp', undefined, 'f')).code).toBe('ERR_PROTO_MALFORMED');
  });

  it('rejects an id too long with ERR_PROTO_MALFORMED', () => {
    expect(thrownBy(() => decodeOipInfer({ id: 'x'.repeat(300), inputs: [jsonInput] }, 'mlp', undefined, 'f')).code).toBe('ERR_PROTO_MALFORMED');
  });

  it('rejects duplicate input names with ERR_INPUT_INVALID', () => {
    expect(thrownBy(() => decodeOipInfer({ inputs: [jsonInput, jsonInput] }, 'mlp', undefined, 'f')).code).toBe('ERR_INPUT_INVALID');
  });
});
