import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSlowModel } from '../fixtures/fixture-models.js';
import { runCli } from './helpers/cli-process.js';
import { TempModelRepo } from './helpers/model-repo.js';
import { RawSocket, bin } from './helpers/raw-socket.js';
import { seededFloats } from './helpers/reference-run.js';

let repo: TempModelRepo;

beforeAll(async () => {
  repo = await TempModelRepo.create();
  await repo.addShipped('fraud');
  // One row per batch, ~0.1 s each: four requests are still queued or running at SIGTERM.
  await repo.add((dir) => writeSlowModel(dir, { steps: 300 }), { maxBatchSize: 1, warmup: { batchSizes: [] } });
});
afterAll(() => repo?.remove());

describe('SIGTERM', () => {
  it('stops accepting, answers everything admitted, closes sockets with 1001 and exits 0', async () => {
    const cli = runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--models', repo.dir]);
    const [, port] = await cli.waitForLog(/at http:\/\/127\.0\.0\.1:(\d+)/);
    const socket = await RawSocket.open(`ws://127.0.0.1:${port}/ws`);
    const x = { name: 'x', datatype: 'FP32', shape: [1, 8], data: bin(seededFloats(1, 8)) };
    for (let i = 0; i < 4; i++) socket.sendMsgpack({ op: 'infer', id: `a${i}`, model: 'slow', inputs: [x] });
    const answers = Promise.all([0, 1, 2, 3].map((i) => socket.reply(`a${i}`)));
    // Make sure all four were admitted before the signal: the fast model answers after them.
    socket.sendMsgpack({ op: 'infer', id: 'marker', model: 'fraud', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: bin(new Float32Array(30)) }] });
    await socket.reply('marker');

    cli.child.kill('SIGTERM');
    await cli.waitForLog(/SIGTERM: no new requests/);
    socket.sendMsgpack({ op: 'infer', id: 'late', model: 'slow', inputs: [x] });
    expect(await socket.reply('late')).toMatchObject({ op: 'error', code: 'ERR_SHUTTING_DOWN', retryable: true });

    for (const reply of await answers) expect(reply.op).toBe('result');
    expect(await socket.closed).toEqual({ code: 1001, reason: 'ERR_SHUTTING_DOWN' });
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`http://127.0.0.1:${port}/v2/health/live`)).rejects.toThrow();
  });
});

describe('wsinfer serve', () => {
  it('--help lists every option', async () => {
    const cli = runCli(['serve', '--help']);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    for (const option of ['--port', '--host', '--models', '--max-payload-bytes', '--max-in-flight', '--max-buffered-bytes', '--shutdown-timeout-ms']) {
      expect(cli.stdout()).toContain(option);
    }
    expect(cli.stdout()).toContain('"shareWeights": false in config.json turns it off');
  });

  it('rejects an unknown option with exit code 2 and the usage', async () => {
    const cli = runCli(['serve', '--prot', '1']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toContain("Unknown option '--prot'");
    expect(cli.stderr()).toContain('Usage: wsinfer serve');
  });

  it('exits 1 with the reason when the model repository does not exist', async () => {
    const cli = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--models', '/nonexistent/models']);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toMatch(/could not start: model repository \/nonexistent\/models cannot be read/);
  });

  it('takes the port from $PORT', async () => {
    const cli = runCli(['serve', '--host', '127.0.0.1', '--models', repo.dir], { PORT: '0' });
    await cli.waitForLog(/at http:\/\/127\.0\.0\.1:(\d+)/);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
  });
});
