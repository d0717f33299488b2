/**
 * The ceiling: a server that does no inference. It speaks wsinfer's WebSocket protocol
 * like the naive peer (decode each MessagePack request, encode a reply, same GET
 * /v2/models/{m} answer), but every reply carries the same outputs, computed once at
 * start by one batch-1 run of the model. What `wsinfer bench` measures against it is the
 * fastest any server can answer this generator on this machine: transport, framing and
 * the generator itself, nothing else. Replies are batch 1 only (the suite sends 1 row).
 *
 * With `run:N`, every reply first runs the model once at batch 1 on the answering thread,
 * in a session set up as wsinfer's instances set theirs (N intra-op threads), and reports
 * that run's time in wsinfer's `timing` block: the least a server that runs the model adds
 * to a lone request. Its run, too, follows the client's round trip rather than the previous
 * run, and runs slower for it than the limit's runs back to back.
 *
 * With `pace:RATE:BURST`, requests wait in arrival order and are answered BURST at a time,
 * RATE a second in all, each burst's replies corked into one write per socket: a server
 * that answers like a batching one at a given rate, at the least CPU a server can spend.
 * Under a closed loop it sets how many requests a second the generator sends.
 *
 *   node --import tsx bench/baselines/echo-server.ts models/fraud/1/model.onnx [port] [run:N | pace:RATE:BURST]
 */
import { createServer } from 'node:http';
import { Packr } from 'msgpackr';
import * as ort from 'onnxruntime-node';
import { type WebSocket, WebSocketServer } from 'ws';

const [modelPath, port = '8091', mode = ''] = process.argv.slice(2);
const runThreads = mode.startsWith('run:') ? Number(mode.slice(4)) : 0;
const session = await ort.InferenceSession.create(modelPath!);
// wsinfer's instance options (src/runtime/session-factory.ts), repeated: a baseline stays one file.
const runner = runThreads > 0 ? await ort.InferenceSession.create(modelPath!, {
  executionProviders: ['cpu'], intraOpNumThreads: runThreads, interOpNumThreads: 1,
  graphOptimizationLevel: 'all', executionMode: 'sequential', enableCpuMemArena: false,
}) : undefined;
const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const spec = (m: ort.InferenceSession.ValueMetadata) => ({ name: m.name, datatype: 'FP32', shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : -1)) : [] });
const DATATYPES: Record<string, string> = { float32: 'FP32', float64: 'FP64', float16: 'FP16', int64: 'INT64', int32: 'INT32', int8: 'INT8', uint8: 'UINT8', bool: 'BOOL' };

const feeds: Record<string, ort.Tensor> = {};
for (const m of session.inputMetadata) {
  if (!m.isTensor || m.type !== 'float32') throw new Error(`input '${m.name}': the echo server feeds float32 tensors only`);
  const dims = m.shape.map((d, axis) => (axis === 0 || typeof d !== 'number' || d < 0 ? 1 : d));
  feeds[m.name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
}
const outputs = Object.entries(await session.run(feeds)).map(([name, t]) => {
  const data = t.data as ArrayBufferView;
  return { name, datatype: DATATYPES[t.type] ?? 'FP32', shape: t.dims, data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
});

const http = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ name: 'model', inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) }));
});
/**
 * One batch-1 run in place, as wsinfer's instances run (src/runtime/run-in-place.ts):
 * session.run defers its native call with setImmediate, an event-loop turn a lone request
 * would pay. Returns the run's time in µs.
 */
function runInPlaceUs(session: ort.InferenceSession): number {
  const deferred = globalThis.setImmediate;
  globalThis.setImmediate = ((callback: () => void) => callback()) as unknown as typeof setImmediate;
  const startedMs = performance.now();
  try {
    void session.run(feeds);
  } finally {
    globalThis.setImmediate = deferred;
  }
  return Math.round((performance.now() - startedMs) * 1000);
}

const reply = (ws: WebSocket, message: { id?: unknown; model?: unknown }, timing?: object) =>
  ws.send(packr.pack({ op: 'result', id: message.id, model_name: message.model, model_version: '1', outputs, ...(timing && { timing }) }));

const [paceRate, paceBurst] = mode.startsWith('pace:') ? mode.slice(5).split(':').map(Number) : [];
const waiting: Array<{ ws: WebSocket; message: { id?: unknown; model?: unknown } }> = [];

/** Answers the oldest BURST waiting requests every BURST / RATE seconds, on a schedule that does not drift. */
function startPacing(rate: number, burst: number): void {
  const periodMs = (1000 * burst) / rate;
  let dueMs = performance.now() + periodMs;
  const flush = (): void => {
    const due = waiting.splice(0, burst);
    const sockets = new Set(due.map(({ ws }) => ws));
    for (const ws of sockets) (ws as unknown as { _socket: { cork(): void } })._socket.cork();
    for (const { ws, message } of due) reply(ws, message, { queue_us: 0, compute_us: 0, batch_size: burst });
    for (const ws of sockets) (ws as unknown as { _socket: { uncork(): void } })._socket.uncork();
    dueMs = Math.max(dueMs + periodMs, performance.now());
    setTimeout(flush, dueMs - performance.now());
  };
  setTimeout(flush, periodMs);
}
if (paceRate! > 0 && paceBurst! > 0) startPacing(paceRate!, paceBurst!);

new WebSocketServer({ server: http, path: '/ws' }).on('connection', (ws) => ws.on('message', (data: Buffer) => {
  const message = packr.unpack(data);
  if (paceRate! > 0) {
    waiting.push({ ws, message });
    return;
  }
  // With a run, its time goes in wsinfer's `timing` block, so the bench tables show it as compute.
  const timing = runner ? { queue_us: 0, compute_us: runInPlaceUs(runner), batch_size: 1 } : undefined;
  reply(ws, message, timing);
}));
process.on('SIGTERM', () => process.exit(0)); // exit cleanly, so --cpu-prof writes its profile
http.listen(Number(port), '127.0.0.1', () => console.log(`echo server listening on ${(http.address() as { port: number }).port}`));
