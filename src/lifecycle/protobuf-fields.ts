/**
 * Just enough of the protobuf wire format to walk a message's fields: varints and
 * length-delimited values, everything else skipped. Reading goes through a ByteSource so
 * that a model file is never read whole: ONNX puts the weights inside the graph field,
 * and the metadata we want is a few hundred bytes around them.
 */
import type { FileHandle } from 'node:fs/promises';

export interface ByteSource {
  readonly sizeBytes: number;
  /** Up to `length` bytes from `offset`; fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    sizeBytes: bytes.byteLength,
    read: async (offset, length) => bytes.subarray(offset, Math.min(offset + length, bytes.byteLength)),
  };
}

/** 64 KiB windows: a graph's node list is walked header by header, mostly in one window. */
const WINDOW_BYTES = 64 * 1024;

export function fileSource(file: FileHandle, sizeBytes: number): ByteSource {
  let windowStart = 0;
  let window = new Uint8Array(0);
  return {
    sizeBytes,
    async read(offset, length) {
      const end = Math.min(offset + length, sizeBytes);
      if (offset < windowStart || end > windowStart + window.byteLength) {
        const buffer = new Uint8Array(Math.max(WINDOW_BYTES, end - offset));
        const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, offset);
        windowStart = offset;
        window = buffer.subarray(0, bytesRead);
      }
      return window.subarray(offset - windowStart, end - windowStart);
    },
  };
}

export const WireType = { VARINT: 0, FIXED64: 1, LEN: 2, FIXED32: 5 } as const;

export interface Field {
  fieldNumber: number;
  wireType: number;
  /** The value of a VARINT field (exact below 2^53, which every field read here is). */
  varint: number;
  /** Where a LEN field's payload starts, and its length in bytes. */
  offset: number;
  length: number;
}

export class WireFormatError extends Error {}

/** A varint from `bytes` at `at`: its value and how many bytes it took. */
function decodeVarint(bytes: Uint8Array, at: number): { value: number; size: number } {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= bytes.byteLength) throw new WireFormatError('truncated varint');
    const byte = bytes[at + i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, size: i + 1 };
  }
  throw new WireFormatError('varint longer than 10 bytes');
}

/** The fields of the message in [start, end) of `source`, in file order. */
export async function* fieldsOf(source: ByteSource, start: number, end: number): AsyncGenerator<Field> {
  let position = start;
  while (position < end) {
    // A tag and a length are at most 10 bytes each.
    const head = await source.read(position, Math.min(20, end - position));
    const tag = decodeVarint(head, 0);
    const fieldNumber = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (fieldNumber === 0) throw new WireFormatError(`field number 0 at byte ${position}`);
    let cursor = position + tag.size;
    const field: Field = { fieldNumber, wireType, varint: 0, offset: cursor, length: 0 };
    if (wireType === WireType.VARINT) {
      const v = decodeVarint(head, tag.size);
      field.varint = v.value;
      cursor += v.size;
    } else if (wireType === WireType.LEN) {
      const v = decodeVarint(head, tag.size);
      field.offset = cursor + v.size;
      field.length = v.value;
      cursor = field.offset + v.value;
    } else if (wireType === WireType.FIXED64) {
      cursor += 8;
    } else if (wireType === WireType.FIXED32) {
      cursor += 4;
    } else {
      // Groups (3, 4) are long deprecated and ONNX never used them.
      throw new WireFormatError(`wire type ${wireType} at byte ${position}`);
    }
    if (cursor > end) throw new WireFormatError(`field ${fieldNumber} runs past the end of its message`);
    yield field;
    position = cursor;
  }
}

export async function readString(source: ByteSource, field: Field): Promise<string> {
  if (field.wireType !== WireType.LEN) throw new WireFormatError(`field ${field.fieldNumber} is not a string`);
  const bytes = await source.read(field.offset, field.length);
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
