/**
 * The benchmark's WebSocket client against a real `ws` server that answers on one
 * connection and holds every request on the other: where the client sends the next
 * request of a closed loop decides whether the loop keeps running.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ClosedLoopDriver } from '../../src/bench/load-drivers.js';
import { randomInputSets } from '../../src/bench/model-inputs.js';
import { WindowRecorder } from '../../src/bench/window-recorder.js';
import { WsTransport } from '../../src/bench/ws-transport.js';
import { decodeFrame, encodeFrame } from '../../src/protocol/frame-codec.js';

let server: WebSocketServer | undefined;
let transport: WsTransport | undefined;

afterEach(async () => {
  await transport?.close();
  transport = undefined;
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Counts the requests each connection receives; answers only the first connection's. */
async function startServer(): Promise<{ url: string; received: number[] }> {
  const received: number[] = [];
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
  server.on('connection', (socket) => {
    const index = received.length;
    received.push(0);
    socket.on('message', (data: Buffer) => {
      received[index]!++;
      if (index !== 0) return;
      const request = decodeFrame(data, 'msgpack');
      socket.send(encodeFrame({ op: 'result', id: request.id, outputs: [], timing: { queue_us: 1, compute_us: 2, batch_size: 1 } }, 'msgpack'));
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, received };
}

describe('WsTransport in a closed loop', () => {
  it('sends the request that follows an answer on the connection that answered', async () => {
    const { url, received } = await startServer();
    const inputSets = randomInputSets([{ name: 'x', datatype: 'FP32', shape: [1, 4] }], 2, true);
    transport = await WsTransport.open({ url, model: 'm', connections: 2, framing: 'msgpack', inputSets });
    const recorder = new WindowRecorder(performance.now());
    const driver = new ClosedLoopDriver({ transport, inputSets, recorder: () => recorder }, 4);
    driver.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    driver.stop();
    // Stopped: the answering connection's last answers come in and send nothing more.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const window = recorder.rotate();
    // The first four requests go out round-robin: two to each connection. The held
    // connection never answers, so it never gets another; the answering one carries on.
    expect(received[1]).toBe(2);
    expect(received[0]).toBeGreaterThan(50);
    expect(window.completed).toBe(received[0]);
    expect(window.errors).toBe(0);
    expect(transport.pending).toBe(2);
  });
});
