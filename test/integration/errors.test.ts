import { Packr } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIdentityModel, writeSlowModel } from '../fixtures/fixture-models.js';
import { type TestServer, metricValue, startTestServer, untilBusy } from './helpers/test-server.js';
import { RawSocket, bin } from './helpers/raw-socket.js';
import { seededFloats } from './helpers/reference-run.js';

let t: TestServer;
const MAX_PAYLOAD = 256 * 1024;

beforeAll(async () => {
  t = await startTestServer(async (repo) => {
    await repo.addShipped('fraud');
    await repo.add((dir) => writeSlowModel(dir, { steps: 300 }), { maxBatchSize: 4, warmup: { batchSizes: [] } });
  }, { maxPayloadBytes: MAX_PAYLOAD, maxInFlightPerConnection: 4 });
});
afterAll(() => t?.stop());

const features = (rows = 1) => ({ name: 'features', datatype: 'FP32', shape: [rows, 30], data: bin(seededFloats(rows, rows * 30)) });

/** After an error, the same socket still answers a good request. */
async function stillServes(socket: RawSocket, id = 'ok'): Promise<void> {
  socket.sendMsgpack({ op: 'infer', id, model: 'fraud', inputs: [features()] });
  expect((await socket.reply(id)).op).toBe('result');
}

describe('bad input gets a coded error and the socket keeps serving', () => {
  it('malformed msgpack and JSON frames → ERR_PROTO_MALFORMED with id null', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.ws.send(Buffer.from([0xc1, 0xff, 0x00]));
    expect(await socket.reply(null)).toMatchObject({ op: 'error', id: null, code: 'ERR_PROTO_MALFORMED', retryable: false, __framing: 'msgpack' });
    socket.ws.send('{"op": "infer", ');
    expect(await socket.reply(null)).toMatchObject({ code: 'ERR_PROTO_MALFORMED', __framing: 'json' });
    socket.sendJson([1, 2, 3]);
    expect(await socket.reply(null)).toMatchObject({ code: 'ERR_PROTO_MALFORMED' });
    await stillServes(socket);
    socket.close();
  });

  it.each([
    ['unknown op', { op: 'train', id: 'e1' }, 'ERR_PROTO_UNKNOWN_OP'],
    ['missing model', { op: 'infer', id: 'e1', inputs: [features()] }, 'ERR_PROTO_MALFORMED'],
    ['unknown model', { op: 'infer', id: 'e1', model: 'ghost', inputs: [features()] }, 'ERR_MODEL_NOT_FOUND'],
    ['unknown version', { op: 'infer', id: 'e1', model: 'fraud', version: '9', inputs: [features()] }, 'ERR_MODEL_NOT_FOUND'],
    ['missing input', { op: 'infer', id: 'e1', model: 'fraud', inputs: [{ ...features(), name: 'other' }] }, 'ERR_INPUT_INVALID'],
    ['extra input', { op: 'infer', id: 'e1', model: 'fraud', inputs: [features(), { ...features(), name: 'more' }] }, 'ERR_INPUT_INVALID'],
    ['wrong datatype', { op: 'infer', id: 'e1', model: 'fraud', inputs: [{ ...features(), datatype: 'INT32' }] }, 'ERR_INPUT_INVALID'],
    ['shape not matching the model', { op: 'infer', id: 'e1', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 31], data: bin(new Float32Array(31)) }] }, 'ERR_INPUT_INVALID'],
    ['byte length not matching the shape', { op: 'infer', id: 'e1', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 30], data: bin(new Float32Array(30)) }] }, 'ERR_INPUT_INVALID'],
    ['batch above maxBatchSize', { op: 'infer', id: 'e1', model: 'fraud', inputs: [features(65)] }, 'ERR_INPUT_INVALID'],
    ['unknown output', { op: 'infer', id: 'e1', model: 'fraud', inputs: [features()], outputs: [{ name: 'logits' }] }, 'ERR_INPUT_INVALID'],
  ])('%s → %s', async (_name, message, code) => {
    const socket = await RawSocket.open(t.wsUrl);
    socket.sendMsgpack(message);
    const reply = await socket.reply('e1');
    expect(reply).toMatchObject({ op: 'error', id: 'e1', code, retryable: false });
    expect(reply.message).toEqual(expect.any(String));
    await stillServes(socket);
    socket.close();
  });

  it('a message over maxPayloadBytes → ERR_PROTO_TOO_LARGE, then close 1009; other sockets unaffected', async () => {
    const bystander = await RawSocket.open(t.wsUrl);
    const socket = await RawSocket.open(t.wsUrl);
    const rows = Math.ceil(MAX_PAYLOAD / (30 * 4)) + 1;
    socket.sendMsgpack({ op: 'infer', id: 'big', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [rows, 30], data: bin(new Float32Array(rows * 30)) }] });
    expect(await socket.reply(null)).toMatchObject({ op: 'error', code: 'ERR_PROTO_TOO_LARGE' });
    expect(await socket.closed).toEqual({ code: 1009, reason: 'ERR_PROTO_TOO_LARGE' });
    await stillServes(bystander);
    bystander.close();
  });

  it('past maxInFlightPerConnection → ERR_TOO_MANY_IN_FLIGHT (retryable), earlier requests still answered', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const x = { name: 'x', datatype: 'FP32', shape: [1, 8], data: bin(seededFloats(1, 8)) };
    for (let i = 0; i < 5; i++) socket.sendMsgpack({ op: 'infer', id: `f${i}`, model: 'slow', inputs: [x] });
    expect(await socket.reply('f4')).toMatchObject({ op: 'error', code: 'ERR_TOO_MANY_IN_FLIGHT', retryable: true });
    for (let i = 0; i < 4; i++) expect((await socket.reply(`f${i}`)).op).toBe('result');
    socket.close();
  });
});

describe('a client that stops reading', () => {
  it('is closed with 1013 once its unsent replies pass the bound, and the server keeps serving', async () => {
    const echo = await startTestServer(async (repo) => {
      await repo.addShipped('fraud');
      await repo.add((dir) => writeIdentityModel(dir, 'FP32'), { maxBatchSize: 16384 });
    }, { maxBufferedBytesPerConnection: 1024 * 1024 });
    try {
      const socket = await RawSocket.open(echo.wsUrl);
      const tcp = (socket.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      tcp.pause();
      // 128 KiB in, 128 KiB back per request: replies fill the kernel's buffers, then ours.
      const frame = new Packr({ useRecords: false }).pack({
        op: 'infer', id: 'echo', model: 'identity_fp32',
        inputs: [{ name: 'x', datatype: 'FP32', shape: [16384, 2], data: bin(new Float32Array(16384 * 2)) }],
      });
      const closedBySlowConsumer = () => metricValue(echo.httpUrl, 'wsinfer_ws_closed_by_server_total', { code: '1013', reason: 'ERR_SLOW_CONSUMER' });
      for (let round = 0; round < 300 && (await closedBySlowConsumer()) === undefined; round++) {
        for (let i = 0; i < 8; i++) socket.ws.send(frame);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await closedBySlowConsumer()).toBe(1);
      tcp.resume();
      expect(await socket.closed).toEqual({ code: 1013, reason: 'ERR_SLOW_CONSUMER' });
      const other = await RawSocket.open(echo.wsUrl);
      other.sendMsgpack({ op: 'infer', id: 'alive', model: 'fraud', inputs: [features()] });
      expect((await other.reply('alive')).op).toBe('result');
      other.close();
    } finally {
      await echo.stop();
    }
  });
});

describe('busy models', () => {
  it('a request to a busy model waits its turn instead of failing', async () => {
    const socket = await RawSocket.open(t.wsUrl);
    const x = { name: 'x', datatype: 'FP32', shape: [1, 8], data: bin(seededFloats(2, 8)) };
    socket.sendMsgpack({ op: 'infer', id: 'first', model: 'slow', inputs: [x] });
    await untilBusy(t.server, 'slow');
    socket.sendMsgpack({ op: 'infer', id: 'second', model: 'slow', inputs: [x] });
    const [first, second] = await Promise.all([socket.reply('first'), socket.reply('second')]);
    expect(first.op).toBe('result');
    expect(second.op).toBe('result');
    expect(second.timing.queue_us).toBeGreaterThan(0);
    socket.close();
  });
});
