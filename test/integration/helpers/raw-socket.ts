/**
 * A WebSocket driven frame by frame, for tests that check the wire itself: framing,
 * error replies, close codes. (The typed client is tested separately.)
 */
import { Packr } from 'msgpackr';
import WebSocket from 'ws';

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export type Reply = Record<string, any>;

export class RawSocket {
  private readonly inbox: Reply[] = [];
  private readonly waiting: Array<{ match: (r: Reply) => boolean; resolve: (r: Reply) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary) => {
      const reply = (isBinary ? packr.unpack(data) : JSON.parse(data.toString('utf8'))) as Reply;
      reply.__framing = isBinary ? 'msgpack' : 'json';
      const index = this.waiting.findIndex((w) => w.match(reply));
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(reply);
      else this.inbox.push(reply);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  static open(url: string): Promise<RawSocket> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawSocket(ws)));
      ws.once('error', reject);
    });
  }

  sendMsgpack(message: unknown): void {
    this.ws.send(packr.pack(message));
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next reply satisfying `match` (default: any), whether it already came or not. */
  next(match: (r: Reply) => boolean = () => true): Promise<Reply> {
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    return new Promise((resolve) => this.waiting.push({ match, resolve }));
  }

  reply(id: string | null): Promise<Reply> {
    return this.next((r) => r.id === id);
  }

  close(): void {
    this.ws.close();
  }
}

/** Raw little-endian bytes of a typed array, as the msgpack fast path carries them. */
export function bin(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function floats(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer);
}
