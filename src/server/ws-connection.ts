/**
 * One client WebSocket: frames in, replies out, many requests in flight, answered in
 * whatever order they finish. A bad request gets a coded error and the socket stays open;
 * only protocol violations, a client that stops reading, and shutdown close it.
 */
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import { type ErrorPayload, WsinferError, toErrorPayload } from '../errors.js';
import { type Framing, decodeFrame, encodeFrame } from '../protocol/frame-codec.js';
import { decodeId, decodeWsInfer } from '../protocol/infer-request.js';
import { type InferResult, encodeWsError, encodeWsResult } from '../protocol/infer-response.js';
import type { InferReply } from './admitted-inference.js';
import type { InferenceService, RequestContext } from './inference-service.js';
import type { ServerOptions } from './server-options.js';
import { TickCork } from './tick-cork.js';

/** After a close frame, how long a peer that does not answer it keeps its socket. */
const CLOSE_GRACE_MS = 5_000;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class WsConnection {
  private inFlight = 0;
  private closing = false;
  /** Sticky routing key for requests that name none: one connection, one side of a split. */
  private readonly context: RequestContext = { connectionKey: randomUUID() };
  private alive = true;
  private idleWaiters: Array<() => void> = [];
  private readonly cork: TickCork;

  constructor(
    private readonly socket: WebSocket,
    private readonly service: InferenceService,
    private readonly options: Readonly<ServerOptions>,
  ) {
    this.cork = TickCork.of(socket);
    socket.on('message', (data, isBinary) => this.onMessage(toBuffer(data), isBinary ? 'msgpack' : 'json'));
    socket.on('pong', () => { this.alive = true; });
    socket.on('close', () => {
      this.closing = true;
      this.releaseIdleWaiters();
    });
    // ws reports protocol errors (bad UTF-8, oversize frames) here and closes by itself.
    socket.on('error', () => {});
  }

  /** Requests from this socket not yet answered. */
  get pending(): number {
    return this.inFlight;
  }

  /** Heartbeat tick: a socket that missed the last pong is gone. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private onMessage(data: Buffer, framing: Framing): void {
    if (data.byteLength > this.options.maxPayloadBytes) {
      const error = new WsinferError('ERR_PROTO_TOO_LARGE', `message of ${data.byteLength} bytes exceeds maxPayloadBytes ${this.options.maxPayloadBytes}`);
      this.send(encodeWsError(null, toErrorPayload(error)), framing);
      this.close(1009, 'ERR_PROTO_TOO_LARGE');
      return;
    }
    let message: Record<string, unknown>;
    try {
      message = decodeFrame(data, framing);
    } catch (error) {
      this.send(encodeWsError(null, toErrorPayload(error)), framing);
      return;
    }
    let id: string | null = null;
    try {
      id = decodeId(message.id) ?? null;
      switch (message.op) {
        case 'infer':
          this.infer(message, framing);
          return;
        case 'ping':
          this.send({ op: 'pong', id }, framing);
          return;
        case 'feedback':
          this.feedback(message, id, framing);
          return;
        default:
          throw new WsinferError('ERR_PROTO_UNKNOWN_OP', `unknown op ${JSON.stringify(message.op)}; this server speaks: infer, ping`);
      }
    } catch (error) {
      this.send(encodeWsError(id, toErrorPayload(error)), framing);
    }
  }

  private infer(message: Record<string, unknown>, framing: Framing): void {
    const request = decodeWsInfer(message);
    if (this.closing) throw new WsinferError('ERR_SHUTTING_DOWN');
    if (this.inFlight >= this.options.maxInFlightPerConnection) {
      throw new WsinferError('ERR_TOO_MANY_IN_FLIGHT', `${this.inFlight} requests already in flight (maxInFlightPerConnection ${this.options.maxInFlightPerConnection})`);
    }
    this.inFlight++;
    this.service.start(request, this.context, new WsReply(this, request.id, framing, request.binaryData && framing === 'msgpack'));
  }

  /** A request from this socket was answered (WsReply). */
  answer(id: string, result: InferResult | undefined, error: unknown, framing: Framing, binaryReply: boolean): void {
    try {
      if (result) {
        try {
          this.send(encodeWsResult(result, binaryReply), framing);
        } catch (encodeError) {
          this.sendError(id, toErrorPayload(encodeError), framing);
        }
      } else {
        this.sendError(id, toErrorPayload(error), framing);
      }
    } finally {
      this.answered();
    }
  }

  private answered(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.releaseIdleWaiters();
  }

  /** `{ op: "feedback", id, value, model? }`: an A/B outcome for an earlier request. */
  private feedback(message: Record<string, unknown>, id: string | null, framing: Framing): void {
    if (id === null) throw new WsinferError('ERR_PROTO_MALFORMED', 'feedback needs the id of the request it is about');
    const rollouts = this.service.rollouts;
    if (!rollouts) throw new WsinferError('ERR_FEEDBACK_UNMATCHED', 'this server runs no experiments');
    const model = typeof message.model === 'string' ? message.model : undefined;
    const recorded = rollouts.feedback(model, id, message.value);
    this.send({ op: 'feedback', id, ...recorded }, framing);
  }

  private sendError(id: string, error: ErrorPayload, framing: Framing): void {
    this.send(encodeWsError(id, error), framing);
  }

  private send(message: Record<string, unknown>, framing: Framing): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > this.options.maxBufferedBytesPerConnection) {
      // The client is not reading: keep memory bounded rather than queue without limit.
      this.close(1013, 'ERR_SLOW_CONSUMER');
      return;
    }
    this.cork.hold();
    this.socket.send(encodeFrame(message, framing));
  }

  /** Close with `code`; a peer that does not complete the handshake is cut off. */
  close(code: number, reason: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.closing = true;
    this.service.metrics.closedByServer(code, reason);
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** Shutdown: refuse new requests, answer the admitted ones, then close with 1001. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.close(1001, 'ERR_SHUTTING_DOWN');
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Where one WebSocket request's answer goes: one object per request, no closures. */
class WsReply implements InferReply {
  constructor(
    private readonly connection: WsConnection,
    private readonly id: string,
    private readonly framing: Framing,
    private readonly binaryReply: boolean,
  ) {}

  result(result: InferResult): void {
    this.connection.answer(this.id, result, undefined, this.framing, this.binaryReply);
  }

  error(error: unknown): void {
    this.connection.answer(this.id, undefined, error, this.framing, this.binaryReply);
  }
}
