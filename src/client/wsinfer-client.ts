/**
 * A typed WebSocket client: send tensors, await results. Many requests share one socket
 * and may be in flight at once; replies are matched by id. MessagePack with raw tensor
 * bytes by default (the fast path); JSON for debugging.
 *
 *   const client = await WsinferClient.connect('ws://localhost:8080/ws');
 *   const { outputs } = await client.infer('fraud', { features: new Float32Array(30) }, { shape: [1, 30] });
 */
import WebSocket from 'ws';
import { type ErrorCode, ERROR_CODES, isErrorCode } from '../errors.js';
import { type Datatype, type NumericArray, type TensorData, bytesOf, fromNumbers, viewBytes } from '../protocol/datatypes.js';
import { type Framing, decodeFrame, encodeFrame } from '../protocol/frame-codec.js';
import { datatypeOfArray } from './typed-arrays.js';

export interface ClientTensor {
  datatype: Datatype;
  shape: number[];
  data: TensorData;
}

/** An input: a full tensor, or a typed array whose datatype is implied (shape from options). */
export type InputValue = ClientTensor | NumericArray;

export interface InferOptions {
  version?: string;
  /** Shape for inputs given as bare typed arrays; default [1, length]. */
  shape?: number[];
  /** Output names to return; default all. */
  outputs?: string[];
  priority?: number;
  timeoutUs?: number;
  /** Extra request parameters (e.g. a sticky routing key). */
  parameters?: Record<string, unknown>;
}

export interface ClientResult {
  id: string;
  modelName: string;
  modelVersion: string;
  outputs: Record<string, ClientTensor>;
  timing: { queueUs: number; computeUs: number; batchSize: number };
}

export class WsinferClientError extends Error {
  constructor(readonly code: ErrorCode | string, message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'WsinferClientError';
  }
}

export interface ConnectOptions {
  framing?: Framing;
  /** Reject a request not answered within this long; 0 = wait for the server. */
  requestTimeoutMs?: number;
}

interface Waiter {
  resolve: (result: ClientResult) => void;
  reject: (error: WsinferClientError) => void;
  timer?: NodeJS.Timeout;
}

function toWireInput(name: string, value: InputValue, shape: number[] | undefined, framing: Framing): Record<string, unknown> {
  const tensor: ClientTensor = ArrayBuffer.isView(value)
    ? { datatype: datatypeOfArray(value), shape: shape ?? [1, value.length], data: value }
    : value;
  const { datatype, data } = tensor;
  let wireData: unknown;
  if (Array.isArray(data)) wireData = data;
  else if (framing === 'msgpack') wireData = bytesOf(data);
  else wireData = Array.from(data as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return { name, datatype, shape: tensor.shape, data: wireData };
}

function fromWireOutput(raw: Record<string, unknown>): ClientTensor {
  const datatype = raw.datatype as Datatype;
  const shape = raw.shape as number[];
  const data = raw.data instanceof Uint8Array ? viewBytes(datatype, raw.data) : fromNumbers(datatype, raw.data as unknown[]);
  return { datatype, shape, data };
}

export class WsinferClient {
  private nextId = 0;
  private readonly waiters = new Map<string, Waiter>();

  private constructor(
    private readonly socket: WebSocket,
    private readonly framing: Framing,
    private readonly requestTimeoutMs: number,
  ) {
    socket.on('message', (data: Buffer, isBinary) => this.onMessage(data, isBinary ? 'msgpack' : 'json'));
    socket.on('close', (code, reason) => {
      const why = reason.toString() || `closed with code ${code}`;
      const closeCode = isErrorCode(why) ? why : 'ERR_CONNECTION_CLOSED';
      this.failAll(new WsinferClientError(closeCode, `connection closed (${code}: ${why})`, true));
    });
    socket.on('error', () => {});
  }

  static connect(url: string, options: ConnectOptions = {}): Promise<WsinferClient> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsinferClient(socket, options.framing ?? 'msgpack', options.requestTimeoutMs ?? 0)));
      socket.once('error', reject);
    });
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.waiters.size;
  }

  infer(model: string, inputs: Record<string, InputValue>, options: InferOptions = {}): Promise<ClientResult> {
    const id = `c${++this.nextId}`;
    const parameters: Record<string, unknown> = { ...options.parameters };
    if (options.priority !== undefined) parameters.priority = options.priority;
    if (options.timeoutUs !== undefined) parameters.timeout_us = options.timeoutUs;
    const message: Record<string, unknown> = {
      op: 'infer',
      id,
      model,
      inputs: Object.entries(inputs).map(([name, value]) => toWireInput(name, value, options.shape, this.framing)),
    };
    if (options.version !== undefined) message.version = options.version;
    if (options.outputs) message.outputs = options.outputs.map((name) => ({ name }));
    if (Object.keys(parameters).length > 0) message.parameters = parameters;
    return new Promise((resolve, reject) => {
      if (this.socket.readyState !== WebSocket.OPEN) {
        reject(new WsinferClientError('ERR_CONNECTION_CLOSED', 'connection is not open', true));
        return;
      }
      const waiter: Waiter = { resolve, reject };
      if (this.requestTimeoutMs > 0) {
        waiter.timer = setTimeout(() => {
          this.waiters.delete(id);
          reject(new WsinferClientError('ERR_TIMEOUT', `no answer within ${this.requestTimeoutMs} ms`, true));
        }, this.requestTimeoutMs);
      }
      this.waiters.set(id, waiter);
      this.socket.send(encodeFrame(message, this.framing));
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }

  private onMessage(data: Buffer, framing: Framing): void {
    let message: Record<string, unknown>;
    try {
      message = decodeFrame(data, framing);
    } catch {
      return;
    }
    const id = message.id as string | null;
    const waiter = id === null ? undefined : this.waiters.get(id);
    if (!waiter) return;
    this.waiters.delete(id!);
    clearTimeout(waiter.timer);
    if (message.op === 'error') {
      const code = String(message.code);
      const retryable = typeof message.retryable === 'boolean' ? message.retryable : isErrorCode(code) && ERROR_CODES[code].retryable;
      waiter.reject(new WsinferClientError(code, String(message.message), retryable));
      return;
    }
    const outputs: Record<string, ClientTensor> = {};
    for (const raw of message.outputs as Array<Record<string, unknown>>) outputs[raw.name as string] = fromWireOutput(raw);
    const timing = message.timing as { queue_us: number; compute_us: number; batch_size: number };
    waiter.resolve({
      id: id!,
      modelName: message.model_name as string,
      modelVersion: message.model_version as string,
      outputs,
      timing: { queueUs: timing.queue_us, computeUs: timing.compute_us, batchSize: timing.batch_size },
    });
  }

  private failAll(error: WsinferClientError): void {
    for (const waiter of this.waiters.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
  }
}
