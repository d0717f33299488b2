/**
 * WebSocket frames ↔ objects. A frame that cannot be read must be ERR_PROTO_MALFORMED (the
 * server closes the socket on it), and what a client packs must come back unchanged.
 */
import { describe, expect, it } from 'vitest';
import { decodeFrame, decodeMsgpack, encodeFrame, encodeMsgpack } from '../../../src/protocol/frame-codec.js';
import { thrownBy } from '../thrown-error.js';

const message = {
  op: 'infer',
  id: 'r1',
  model: 'mlp',
  inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [1.5, -2] }],
  parameters: { priority: 1 },
};

describe('msgpack frames', () => {
  it('round-trip a message with a value array', () => {
    const frame = encodeFrame(message, 'msgpack');
    expect(frame).toBeInstanceOf(Uint8Array);
    expect(decodeFrame(frame as Buffer, 'msgpack')).toEqual(message);
  });

  it('round-trip raw tensor bytes as a bin', () => {
    const bytes = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const decoded = decodeFrame(encodeMsgpack({ data: bytes }), 'msgpack');
    expect(decoded.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(decoded.data as Uint8Array)).toEqual(Array.from(bytes));
  });

  it('decode int64 beyond 2^53 as bigint and safe int64 as number', () => {
    expect(decodeFrame(encodeMsgpack({ v: 2n ** 60n, n: -(2n ** 60n) }), 'msgpack')).toEqual({ v: 2n ** 60n, n: -(2n ** 60n) });
    // { v: uint64 7 }: a 64-bit encoding of a small value still reads as a plain number.
    const small = new Uint8Array([0x81, 0xa1, 0x76, 0xcf, 0, 0, 0, 0, 0, 0, 0, 7]);
    expect(decodeFrame(small, 'msgpack')).toEqual({ v: 7 });
  });

  it('pack a Uint8Array view as only its own bytes, not its whole buffer', () => {
    const backing = new Uint8Array(4096).map((_, i) => i % 251);
    const view = backing.subarray(100, 108);
    const packed = encodeMsgpack({ data: view });
    expect(packed.byteLength).toBeLessThan(32);
    const decoded = decodeMsgpack(packed) as { data: Uint8Array };
    expect(Array.from(decoded.data)).toEqual(Array.from(view));
  });

  it('decode a frame that is a view into a larger buffer', () => {
    const packed = encodeMsgpack({ op: 'ping' });
    const backing = new Uint8Array(packed.byteLength + 10).fill(0xc1);
    backing.set(packed, 5);
    expect(decodeFrame(backing.subarray(5, 5 + packed.byteLength), 'msgpack')).toEqual({ op: 'ping' });
  });

  it.each([
    ['truncated data', new Uint8Array([0x82, 0xa1])],
    ['an empty frame', new Uint8Array(0)],
    ['trailing bytes after the object', new Uint8Array([0x81, 0xa1, 0x61, 0x01, 0x02])],
  ])('reject %s with ERR_PROTO_MALFORMED', (_what, frame) => {
    expect(thrownBy(() => decodeFrame(frame, 'msgpack')).code).toBe('ERR_PROTO_MALFORMED');
  });

  it.each([
    ['an array', encodeMsgpack([1, 2, 3])],
    ['a bin', encodeMsgpack(new Uint8Array([1, 2]))],
    ['a string', encodeMsgpack('infer')],
    ['nil', encodeMsgpack(null)],
  ])('reject a frame holding %s instead of an object with ERR_PROTO_MALFORMED', (_what, frame) => {
    expect(thrownBy(() => decodeFrame(frame, 'msgpack')).code).toBe('ERR_PROTO_MALFORMED');
  });

  it.each([
    ['the never-used byte 0xc1', new Uint8Array([0xc1])],
    ['a timestamp extension (decodes to a Date)', encodeMsgpack(new Date(0))],
  ])('reject %s with ERR_PROTO_MALFORMED, not as a frame object', (_what, frame) => {
    expect(thrownBy(() => decodeFrame(frame, 'msgpack')).code).toBe('ERR_PROTO_MALFORMED');
  });
});

describe('JSON frames', () => {
  it('round-trip a message', () => {
    const frame = encodeFrame(message, 'json');
    expect(typeof frame).toBe('string');
    expect(decodeFrame(Buffer.from(frame as string, 'utf8'), 'json')).toEqual(message);
  });

  it('decode only the bytes of a view into a larger buffer', () => {
    const text = Buffer.from('xx{"op":"ping"}yy', 'utf8');
    expect(decodeFrame(text.subarray(2, text.length - 2), 'json')).toEqual({ op: 'ping' });
  });

  it.each([['{"op":'], ['{bad json}'], ['']])('reject malformed text %j with ERR_PROTO_MALFORMED', (text) => {
    const error = thrownBy(() => decodeFrame(Buffer.from(text, 'utf8'), 'json'));
    expect(error.code).toBe('ERR_PROTO_MALFORMED');
    expect(error.message).toContain('JSON');
  });

  it.each([['[1,2]'], ['null'], ['42'], ['"infer"']])('reject %s, which is not an object, with ERR_PROTO_MALFORMED', (text) => {
    expect(thrownBy(() => decodeFrame(Buffer.from(text, 'utf8'), 'json')).code).toBe('ERR_PROTO_MALFORMED');
  });
});
