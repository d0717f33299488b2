/**
 * The server a user writes instead of wsinfer: `ws` + MessagePack + `session.run` per
 * message on the main thread, no batching, no workers. It speaks wsinfer's WebSocket
 * protocol (and answers GET /v2/models/{m} with the inputs) so `wsinfer bench` drives it
 * unchanged. Kept this small on purpose: it is the baseline, not a product.
 *
 *   node --import tsx bench/baselines/naive-server.ts models/fraud/1/model.onnx [port]
 */
import { createServer } from 'node:http';
import { Packr } from 'msgpackr';
import * as ort from 'onnxruntime-node';
import { WebSocketServer } from 'ws';

const [modelPath, port = '8090'] = process.argv.slice(2);
const session = await ort.InferenceSession.create(modelPath!);
const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const spec = (m: ort.InferenceSession.ValueMetadata) => ({ name: m.name, datatype: 'FP32', shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : -1)) : [] });

const http = createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ name: 'model', inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) }));
});
new WebSocketServer({ server: http, path: '/ws' }).on('connection', (ws) => ws.on('message', async (data: Buffer) => {
  const message = packr.unpack(data);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const input of message.inputs) feeds[input.name] = new ort.Tensor('float32', new Float32Array(new Uint8Array(input.data).buffer), input.shape);
    const results = await session.run(feeds);
    const outputs = Object.entries(results).map(([name, t]) => ({ name, datatype: 'FP32', shape: t.dims, data: new Uint8Array((t.data as Float32Array).buffer) }));
    ws.send(packr.pack({ op: 'result', id: message.id, model_name: message.model, model_version: '1', outputs }));
  } catch (error) {
    ws.send(packr.pack({ op: 'error', id: message.id, code: 'ERR_INFERENCE_FAILED', message: String(error) }));
  }
}));
process.on('SIGTERM', () => process.exit(0)); // exit cleanly, so --cpu-prof writes its profile
http.listen(Number(port), '127.0.0.1', () => console.log(`naive server listening on ${(http.address() as { port: number }).port}`));
