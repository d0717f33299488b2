/**
 * What an ONNX file says about itself: IR version, producer, opsets, graph name. Read
 * straight from the protobuf fields of ModelProto (onnx/onnx.proto3), so packaging needs
 * no protobuf library at run time and never holds the weights in memory.
 */
import { open } from 'node:fs/promises';
import { WsinferError } from '../errors.js';
import { type ByteSource, WireFormatError, WireType, bytesSource, fieldsOf, fileSource, readString } from './protobuf-fields.js';

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Opset version per operator domain; ONNX's default domain '' is written 'ai.onnx'. */
  opset: Record<string, number>;
  graphName: string;
}

/** ModelProto field numbers. */
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET_ID = { domain: 1, version: 2 } as const;
const GRAPH = { name: 2 } as const;

export const DEFAULT_ONNX_DOMAIN = 'ai.onnx';

async function readOpsetId(source: ByteSource, offset: number, length: number): Promise<[string, number]> {
  let domain = '';
  let version = 0;
  for await (const field of fieldsOf(source, offset, offset + length)) {
    if (field.fieldNumber === OPSET_ID.domain) domain = await readString(source, field);
    else if (field.fieldNumber === OPSET_ID.version && field.wireType === WireType.VARINT) version = field.varint;
  }
  return [domain === '' ? DEFAULT_ONNX_DOMAIN : domain, version];
}

async function readGraphName(source: ByteSource, offset: number, length: number): Promise<string> {
  for await (const field of fieldsOf(source, offset, offset + length)) {
    // Protobuf writers emit fields in number order: the name comes before the initializers.
    if (field.fieldNumber === GRAPH.name) return readString(source, field);
  }
  return '';
}

async function parse(source: ByteSource): Promise<OnnxModelInfo> {
  const info: OnnxModelInfo = { irVersion: 0, producerName: '', producerVersion: '', opset: {}, graphName: '' };
  let hasGraph = false;
  for await (const field of fieldsOf(source, 0, source.sizeBytes)) {
    switch (field.fieldNumber) {
      case MODEL.irVersion:
        if (field.wireType === WireType.VARINT) info.irVersion = field.varint;
        break;
      case MODEL.producerName:
        info.producerName = await readString(source, field);
        break;
      case MODEL.producerVersion:
        info.producerVersion = await readString(source, field);
        break;
      case MODEL.graph:
        if (field.wireType !== WireType.LEN) throw new WireFormatError('graph is not a message');
        hasGraph = true;
        info.graphName = await readGraphName(source, field.offset, field.length);
        break;
      case MODEL.opsetImport: {
        if (field.wireType !== WireType.LEN) throw new WireFormatError('opset_import is not a message');
        const [domain, version] = await readOpsetId(source, field.offset, field.length);
        info.opset[domain] = version;
        break;
      }
      default:
        break;
    }
  }
  // Any byte string parses as *some* protobuf; these two fields make it an ONNX model.
  if (info.irVersion <= 0 || !hasGraph) throw new WireFormatError('no ir_version or no graph');
  return info;
}

function notOnnx(what: string, error: unknown): WsinferError {
  return new WsinferError('ERR_MODEL_LOAD_FAILED', `${what} is not an ONNX model (${(error as Error).message})`);
}

export async function parseOnnxModelInfo(bytes: Uint8Array): Promise<OnnxModelInfo> {
  try {
    return await parse(bytesSource(bytes));
  } catch (error) {
    if (error instanceof WireFormatError) throw notOnnx('the data', error);
    throw error;
  }
}

export async function readOnnxModelInfo(path: string): Promise<OnnxModelInfo> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new WsinferError('ERR_MODEL_LOAD_FAILED', `${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    const { size } = await file.stat();
    return await parse(fileSource(file, size));
  } catch (error) {
    if (error instanceof WireFormatError) throw notOnnx(path, error);
    throw new WsinferError('ERR_MODEL_LOAD_FAILED', `${path} cannot be read: ${(error as Error).message}`);
  } finally {
    await file.close();
  }
}
