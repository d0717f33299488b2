/**
 * The ceiling: a server that does no inference. It speaks wsinfer's WebSocket protocol
 * like the naive peer (decode each MessagePack request, encode a reply, same GET
 * /v2/models/{m} answer), but every reply carries the same outputs, computed once at
 * start by one batch-1 run of the model. What `wsinfer bench` measures against it is the
 * fastest any server can answer this generator on this machine: transport, framing and
 * the generator itself, nothing else. Replies are batch 1 only (the suite sends 1 row).
 *
 * With `holdUs`, every reply waits that long first, busy on the answering thread as a model
 * run would be: the ceiling for a model whose batch-1 run takes that long.
 *
 *   node --import tsx bench/baselines/echo-server.ts models/fraud/1/model.onnx [port] [holdUs]
 */
import { createServer } from 'node:http';
import { Packr } from 'msgpackr';
import * as ort from 'onnxruntime-node';
import { WebSocketServer } from 'ws';

const [modelPath, port = '8091', holdArg = '0'] = process.argv.slice(2);
const holdUs = Number(holdArg);
const session = await ort.InferenceSession.create(modelPath!);
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
new WebSocketServer({ server: http, path: '/ws' }).on('connection', (ws) => ws.on('message', (data: Buffer) => {
  const message = packr.unpack(data);
  if (holdUs > 0) {
    // Stands in for the model's run on the answering thread, as the naive peer runs it.
    const untilMs = performance.now() + holdUs / 1000;
    while (performance.now() < untilMs);
  }
  ws.send(packr.pack({ op: 'result', id: message.id, model_name: message.model, model_version: '1', outputs }));
}));
process.on('SIGTERM', () => process.exit(0)); // exit cleanly, so --cpu-prof writes its profile
http.listen(Number(port), '127.0.0.1', () => console.log(`echo server listening on ${(http.address() as { port: number }).port}`));
