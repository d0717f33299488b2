/**
 * The small HTTP plumbing every route file shares: routes, JSON bodies in and out, and
 * errors as the OIP error body with our code and the code's status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, WsinferError, toErrorPayload } from '../errors.js';
import { encodeOipError } from '../protocol/infer-response.js';

export type Params = { model?: string; version?: string };
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void> | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  pattern: RegExp;
  handler: Handler;
}

/** `/v2/models/{m}` with an optional `/versions/{v}`, as named groups. */
export const MODEL_PATH = '/v2/models/(?<model>[^/]+)(?:/versions/(?<version>[^/]+))?';
/** `/v2/models/{m}` alone, for per-model endpoints that take no version. */
export const MODEL_ONLY_PATH = '/v2/models/(?<model>[^/]+)';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const payload = toErrorPayload(error);
  sendJson(res, ERROR_CODES[payload.code].httpStatus, encodeOipError(payload));
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new WsinferError('ERR_PROTO_TOO_LARGE', `body of ${declared} bytes exceeds maxPayloadBytes ${maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes) {
        reject(new WsinferError('ERR_PROTO_TOO_LARGE', `body exceeds maxPayloadBytes ${maxBytes}`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A JSON body; an empty body reads as `{}` (Triton's load/unload take none). */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  if (body.byteLength === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new WsinferError('ERR_PROTO_MALFORMED', `request body is not JSON: ${(error as Error).message}`);
  }
}
