/**
 * The HTTP load client: OIP `POST /v2/models/{m}[/versions/{v}]/infer` with JSON bodies
 * over keep-alive connections, at most `connections` at once. Bodies are serialised once
 * per input set.
 */
import http from 'node:http';
import type { Datatype } from '../protocol/datatypes.js';
import { fromNumbers } from '../protocol/datatypes.js';
import type { BenchTensor, BenchTransport, DoneCallback, InputSet, ServerTiming } from './bench-types.js';
import { httpOrigin } from './model-inputs.js';

export interface HttpTransportOptions {
  url: string;
  model: string;
  version?: string;
  connections: number;
  inputSets: InputSet[];
}

interface Pending {
  request: http.ClientRequest;
  sentAtMs: number;
  done: DoneCallback;
  settled: boolean;
}

function toPlain(data: BenchTensor['data']): unknown[] {
  return Array.from(data as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));
}

export class HttpTransport implements BenchTransport {
  readonly kind = 'http' as const;
  private readonly agent: http.Agent;
  private readonly bodies: Buffer[];
  private readonly origin: URL;
  private readonly path: string;
  private readonly inFlight = new Set<Pending>();
  /** Set when a connection was refused: nothing listens at the URL any more. */
  private refused = false;

  constructor(options: HttpTransportOptions) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
    this.origin = new URL(httpOrigin(options.url));
    this.path = `/v2/models/${encodeURIComponent(options.model)}${options.version ? `/versions/${encodeURIComponent(options.version)}` : ''}/infer`;
    this.bodies = options.inputSets.map((set) => Buffer.from(JSON.stringify({
      inputs: set.tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: toPlain(t.data) })),
    })));
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** The agent opens connections as needed, so there is always one to try until one is refused. */
  get openConnections(): number {
    return this.refused ? 0 : 1;
  }

  send(inputIndex: number, done: DoneCallback, keepOutputs: boolean): number {
    const startedMs = performance.now();
    const body = this.bodies[inputIndex % this.bodies.length]!;
    const request = http.request({
      agent: this.agent,
      host: this.origin.hostname,
      port: this.origin.port,
      method: 'POST',
      path: this.path,
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    const pending: Pending = { request, sentAtMs: startedMs, done, settled: false };
    const settle = (outcome: Parameters<DoneCallback>[0]): void => {
      if (pending.settled) return;
      pending.settled = true;
      this.inFlight.delete(pending);
      done(outcome);
    };
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const recvStartedMs = performance.now();
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          settle({ ok: false, code: `HTTP_${response.statusCode}` });
          return;
        }
        if (response.statusCode !== 200) {
          settle({ ok: false, code: typeof parsed.code === 'string' ? parsed.code : `HTTP_${response.statusCode}` });
          return;
        }
        const p = parsed.parameters as { queue_us?: number; compute_us?: number; batch_size?: number } | undefined;
        const timing: ServerTiming | undefined = p && typeof p.batch_size === 'number'
          ? { queueUs: Number(p.queue_us ?? 0), computeUs: Number(p.compute_us ?? 0), batchSize: p.batch_size }
          : undefined;
        const outputs = keepOutputs
          ? (parsed.outputs as Array<Record<string, unknown>>).map((o) => ({
            name: o.name as string, datatype: o.datatype as Datatype, shape: o.shape as number[],
            data: fromNumbers(o.datatype as Datatype, (o.data as unknown[]).flat(Infinity)),
          }))
          : undefined;
        settle({ ok: true, timing, recvUs: (performance.now() - recvStartedMs) * 1000, modelVersion: parsed.model_version as string | undefined, outputs });
      });
      response.on('error', () => settle({ ok: false, code: 'ERR_CONNECTION_CLOSED' }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') this.refused = true;
      settle({ ok: false, code: pending.settled ? 'ERR_CLIENT_TIMEOUT' : 'ERR_CONNECTION_CLOSED' });
    });
    this.inFlight.add(pending);
    request.end(body);
    return (performance.now() - startedMs) * 1000;
  }

  expire(cutoffMs: number): void {
    for (const pending of this.inFlight) {
      if (pending.sentAtMs >= cutoffMs) continue;
      this.inFlight.delete(pending);
      pending.settled = true;
      pending.done({ ok: false, code: 'ERR_CLIENT_TIMEOUT' });
      pending.request.destroy();
    }
  }

  async close(): Promise<void> {
    for (const pending of this.inFlight) pending.request.destroy();
    this.agent.destroy();
  }
}
