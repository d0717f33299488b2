/**
 * The WebSocket load client: several connections, many requests in flight on each,
 * replies matched by id. Each input set is encoded once into a template frame with a
 * fixed-width id; a send copies the template and writes the id digits in place, so the
 * generator spends its CPU on the socket, not on re-encoding the same tensors.
 */
import WebSocket from 'ws';
import { type Datatype, type NumericArray, bytesOf, fromNumbers, viewBytes } from '../protocol/datatypes.js';
import { decodeFrame, encodeFrame } from '../protocol/frame-codec.js';
import type { BenchTensor, BenchTransport, DoneCallback, InputSet, RequestOutcome, ServerTiming } from './bench-types.js';

const ID_DIGITS = 12;
const ID_PREFIX = 'b';
const ID_PLACEHOLDER = `${ID_PREFIX}${'9'.repeat(ID_DIGITS)}`;

interface Pending {
  done: DoneCallback;
  sentAtMs: number;
  keepOutputs: boolean;
}

interface Template {
  frame: Buffer;
  idOffset: number;
}

class Connection {
  readonly pending = new Map<number, Pending>();
  open = true;
  private corked = false;

  constructor(readonly socket: WebSocket, private readonly owner: WsTransport) {
    socket.on('message', (data: Buffer, isBinary) => owner.onReply(this, data, isBinary));
    socket.on('close', () => {
      this.open = false;
      this.failAll('ERR_CONNECTION_CLOSED');
    });
    socket.on('error', () => {});
  }

  /**
   * Answers arrive in bursts (one per server batch) and each sends the next request: cork
   * the TCP socket until the tick ends so the burst leaves in one write, not one each.
   */
  corkForTick(): void {
    const raw = (this.socket as unknown as { _socket?: { cork?: () => void; uncork?: () => void } })._socket;
    if (this.corked || typeof raw?.cork !== 'function' || typeof raw.uncork !== 'function') return;
    this.corked = true;
    raw.cork();
    process.nextTick(() => {
      this.corked = false;
      raw.uncork!();
    });
  }

  failAll(code: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.done({ ok: false, code });
  }
}

function encodeTemplate(model: string, version: string | undefined, set: InputSet, framing: 'msgpack' | 'json'): Template {
  const inputs = set.tensors.map((t) => ({
    name: t.name,
    datatype: t.datatype,
    shape: t.shape,
    data: framing === 'msgpack' && !Array.isArray(t.data) ? bytesOf(t.data as NumericArray) : toPlain(t.data),
  }));
  const message: Record<string, unknown> = { op: 'infer', id: ID_PLACEHOLDER, model, inputs };
  if (version !== undefined) message.version = version;
  const encoded = encodeFrame(message, framing);
  const frame = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
  // The id is the first string field after op, so its first occurrence is the id itself.
  const idOffset = frame.indexOf(ID_PLACEHOLDER, 0, 'latin1') + ID_PREFIX.length;
  if (idOffset < ID_PREFIX.length) throw new Error('could not locate the id in the encoded request');
  return { frame: Buffer.from(frame), idOffset };
}

function toPlain(data: BenchTensor['data']): unknown[] {
  return Array.from(data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));
}

function writeId(target: Buffer, offset: number, id: number): void {
  let n = id;
  for (let i = ID_DIGITS - 1; i >= 0; i--) {
    target[offset + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

function decodeOutputs(raw: unknown): BenchTensor[] {
  return (raw as Array<Record<string, unknown>>).map((o) => {
    const datatype = o.datatype as Datatype;
    const data = o.data instanceof Uint8Array ? viewBytes(datatype, new Uint8Array(o.data)) : fromNumbers(datatype, o.data as unknown[]);
    return { name: o.name as string, datatype, shape: o.shape as number[], data };
  });
}

export interface WsTransportOptions {
  url: string;
  model: string;
  version?: string;
  connections: number;
  framing: 'msgpack' | 'json';
  inputSets: InputSet[];
  connectTimeoutMs?: number;
}

export class WsTransport implements BenchTransport {
  readonly kind = 'ws' as const;
  private nextId = 0;
  private nextConnection = 0;
  /**
   * The connection whose answer is being handled. A request sent from inside that handling
   * (closed loop: each answer sends the next) goes out on the same connection: the answers
   * of one read then leave as one write, and each connection keeps its share in flight.
   * Spread round-robin instead, every read cost the generator a write on each connection
   * (3.6 writes per read at concurrency 64 on medium) and the server as many extra reads.
   */
  private answering: Connection | undefined;

  private constructor(private readonly connections: Connection[], private readonly templates: Template[], private readonly framing: 'msgpack' | 'json') {}

  static async open(options: WsTransportOptions): Promise<WsTransport> {
    const templates = options.inputSets.map((set) => encodeTemplate(options.model, options.version, set, options.framing));
    const sockets = await Promise.all(Array.from({ length: options.connections }, () => connect(options.url, options.connectTimeoutMs ?? 10_000)));
    const transport: WsTransport = new WsTransport([], templates, options.framing);
    for (const socket of sockets) transport.connections.push(new Connection(socket, transport));
    return transport;
  }

  get pending(): number {
    let n = 0;
    for (const c of this.connections) n += c.pending.size;
    return n;
  }

  /** Read before every send (load-drivers.ts): counted in place, no array per call. */
  get openConnections(): number {
    let n = 0;
    for (const c of this.connections) if (c.open) n++;
    return n;
  }

  send(inputIndex: number, done: DoneCallback, keepOutputs: boolean): number {
    const startedMs = performance.now();
    const connection = this.pickConnection();
    if (!connection) {
      setImmediate(done, { ok: false, code: 'ERR_CONNECTION_CLOSED' });
      return 0;
    }
    const template = this.templates[inputIndex % this.templates.length]!;
    const id = ++this.nextId;
    const frame = Buffer.allocUnsafe(template.frame.length);
    template.frame.copy(frame);
    writeId(frame, template.idOffset, id);
    connection.pending.set(id, { done, sentAtMs: startedMs, keepOutputs });
    connection.corkForTick();
    if (this.framing === 'msgpack') connection.socket.send(frame, { binary: true });
    else connection.socket.send(frame.toString('utf8'));
    return (performance.now() - startedMs) * 1000;
  }

  expire(cutoffMs: number): void {
    for (const connection of this.connections) {
      // Maps iterate in insertion (= send) order: stop at the first young request.
      for (const [id, p] of connection.pending) {
        if (p.sentAtMs >= cutoffMs) break;
        connection.pending.delete(id);
        p.done({ ok: false, code: 'ERR_CLIENT_TIMEOUT' });
      }
    }
  }

  onReply(connection: Connection, data: Buffer, isBinary: boolean): void {
    const startedMs = performance.now();
    let message: Record<string, unknown>;
    try {
      message = decodeFrame(data, isBinary ? 'msgpack' : 'json');
    } catch {
      return;
    }
    const idText = message.id;
    if (typeof idText !== 'string' || !idText.startsWith(ID_PREFIX)) return;
    const id = Number(idText.slice(ID_PREFIX.length));
    const pending = connection.pending.get(id);
    if (!pending) return;
    connection.pending.delete(id);
    if (message.op === 'error') {
      this.settle(connection, pending, { ok: false, code: String(message.code ?? 'ERR_UNKNOWN') });
      return;
    }
    const t = message.timing as { queue_us?: number; compute_us?: number; batch_size?: number } | undefined;
    const timing: ServerTiming | undefined = t && typeof t.batch_size === 'number'
      ? { queueUs: Number(t.queue_us ?? 0), computeUs: Number(t.compute_us ?? 0), batchSize: t.batch_size }
      : undefined;
    const outputs = pending.keepOutputs ? decodeOutputs(message.outputs) : undefined;
    this.settle(connection, pending, { ok: true, timing, recvUs: (performance.now() - startedMs) * 1000, modelVersion: message.model_version as string | undefined, outputs });
  }

  private settle(connection: Connection, pending: Pending, outcome: RequestOutcome): void {
    this.answering = connection;
    try {
      pending.done(outcome);
    } finally {
      this.answering = undefined;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => new Promise<void>((resolve) => {
      if (c.socket.readyState === WebSocket.CLOSED) return resolve();
      c.socket.once('close', () => resolve());
      c.socket.close(1000);
      setTimeout(() => c.socket.terminate(), 2000).unref();
    })));
  }

  private pickConnection(): Connection | undefined {
    if (this.answering?.open) return this.answering;
    for (let tries = 0; tries < this.connections.length; tries++) {
      const connection = this.connections[this.nextConnection++ % this.connections.length]!;
      if (connection.open) return connection;
    }
    return undefined;
  }
}

function connect(url: string, timeoutMs: number): Promise<WebSocket> {
  // No compression: it would cost the generator CPU the server does not spend.
  const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}
