/**
 * WebSocket frames ↔ plain objects. Binary frames are MessagePack, text frames JSON; both
 * carry the same schema, and a reply uses the framing of the request it answers.
 */
import { Packr } from 'msgpackr';
import { WsinferError } from '../errors.js';

// Records off: clients in other languages must read plain maps. int64 'auto' keeps safe
// integers as numbers and only larger ones as bigint.
// ('auto' is supported by msgpackr 2 but missing from its typings.)
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'number' });

export type Framing = 'msgpack' | 'json';

export function decodeFrame(data: Uint8Array, framing: Framing): Record<string, unknown> {
  let value: unknown;
  try {
    value = framing === 'msgpack' ? packr.unpack(data) : JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (error) {
    throw new WsinferError('ERR_PROTO_MALFORMED', `${framing === 'msgpack' ? 'MessagePack' : 'JSON'} frame could not be decoded: ${(error as Error).message}`);
  }
  // Plain objects only: msgpack extensions decode to Dates and other classes.
  const prototype = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new WsinferError('ERR_PROTO_MALFORMED', 'a frame must hold one object');
  }
  return value as Record<string, unknown>;
}

export function encodeFrame(message: Record<string, unknown>, framing: Framing): Buffer | string {
  return framing === 'msgpack' ? packr.pack(message) : JSON.stringify(message);
}

export function encodeMsgpack(message: unknown): Buffer {
  return packr.pack(message);
}

export function decodeMsgpack(data: Uint8Array): unknown {
  return packr.unpack(data);
}
