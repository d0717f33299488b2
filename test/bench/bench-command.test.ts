/**
 * `wsinfer bench` end to end against a real server (worker threads, onnxruntime) and
 * against the naive baseline: short runs, asserting what the reports say — answers,
 * errors, batch sizes, verification — never how fast anything was.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/bench/bench-types.js';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import { runBenchCli } from './bench-cli.js';
import { runCli } from '../integration/helpers/cli-process.js';
import { type TestServer, startTestServer } from '../integration/helpers/test-server.js';

const SHORT = ['-p', '300', '--warmup-ms', '100', '--max-trials', '2', '-q'];

let server: TestServer;
let outDir: string;

const bench = runBenchCli;

async function readReport(name: string): Promise<BenchReport> {
  return JSON.parse(await readFile(join(outDir, name), 'utf8')) as BenchReport;
}

beforeAll(async () => {
  server = await startTestServer((repo) => repo.addShipped('fraud'));
  outDir = await mkdtemp(join(tmpdir(), 'wsinfer-bench-'));
});

afterAll(async () => {
  await server?.stop();
  await rm(outDir, { recursive: true, force: true });
});

describe('wsinfer bench against wsinfer', () => {
  it('measures closed-loop steps over WebSocket, writes JSON, CSV and SVG, and verifies answers', async () => {
    const { code, stdout } = await bench([
      '-u', server.wsUrl, '-m', 'fraud', '--concurrency-range', '1,8', ...SHORT,
      '--json', join(outDir, 'ws.json'), '-f', join(outDir, 'ws.csv'), '--plot', join(outDir, 'ws.svg'),
      '--verify', '--verify-samples', '20', '--models', server.repo.dir,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/infer\/s/);
    expect(stdout).not.toMatch(/server cpu/);
    const report = await readReport('ws.json');
    expect(report.steps.map((s) => s.level)).toEqual([1, 8]);
    for (const step of report.steps) {
      expect(step.completed).toBeGreaterThan(0);
      expect(step.inferPerSec).toBeGreaterThan(0);
      expect(step.errors).toBe(0);
      expect(step.server!.batchSize).toBeGreaterThanOrEqual(1);
      expect(step.server!.computeUs).toBeGreaterThan(0);
      expect(step.latency.p99Us).toBeGreaterThanOrEqual(step.latency.p50Us);
      expect(step.clientCpuPercent).toBeGreaterThan(0);
    }
    expect(report.verify).toMatchObject({ mismatched: 0 });
    expect(report.verify!.checked).toBeGreaterThan(0);
    const csv = await readFile(join(outDir, 'ws.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^Concurrency,Inferences\/Second,Client Send,/);
    expect(csv.trimEnd().split('\n')).toHaveLength(3);
    expect(await readFile(join(outDir, 'ws.svg'), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  });

  it('runs an open loop over OIP HTTP', async () => {
    const { code } = await bench([
      '-u', server.httpUrl, '-m', 'fraud', '--request-rate-range', '200', '--request-distribution', 'poisson', ...SHORT,
      '--json', join(outDir, 'http.json'), '-f', join(outDir, 'http.csv'),
    ]);
    expect(code).toBe(0);
    const report = await readReport('http.json');
    expect(report.protocol).toBe('http');
    const [step] = report.steps;
    expect(step!.mode).toBe('rate');
    expect(step!.completed).toBeGreaterThan(0);
    expect(step!.errors).toBe(0);
    expect(step!.server!.batchSize).toBeGreaterThanOrEqual(1);
    expect(step!.sendLagUs).toBeDefined();
    expect((await readFile(join(outDir, 'http.csv'), 'utf8')).startsWith('Request Rate,')).toBe(true);
  });

  it('sends several rows per request with --batch and counts inferences as rows', async () => {
    const { code } = await bench(['-u', server.wsUrl, '-m', 'fraud', '-b', '4', '--concurrency-range', '2', ...SHORT, '--json', join(outDir, 'b4.json')]);
    expect(code).toBe(0);
    const [step] = (await readReport('b4.json')).steps;
    expect(step!.inferPerSec).toBeCloseTo(step!.requestsPerSec * 4, 0);
    expect(step!.server!.batchSize).toBeGreaterThanOrEqual(4);
  });

  // The server runs in this process, so its pid is ours.
  it.skipIf(process.platform !== 'linux')('adds the server process\'s CPU use to each step with --server-pid', async () => {
    const { code, stdout } = await bench([
      '-u', server.wsUrl, '-m', 'fraud', '--concurrency-range', '1,4', ...SHORT, '--server-pid', String(process.pid),
      '--json', join(outDir, 'cpu.json'), '-f', join(outDir, 'cpu.csv'),
    ]);
    expect(code).toBe(0);
    const [title, header, ...rows] = stdout.trimEnd().split('\n');
    expect(title).toMatch(/fraud/);
    expect(header).toMatch(/client cpu  server cpu  main thread  stable/);
    for (const row of rows) expect(row).toMatch(/\d+%\s+\d+%\s+\d+%\s+(yes|no)/);
    const report = await readReport('cpu.json');
    expect(report.steps).toHaveLength(2);
    for (const step of report.steps) {
      expect(step.serverCpu!.processPercent).toBeGreaterThan(0);
      expect(step.serverCpu!.mainThreadPercent).toBeGreaterThan(0);
      // Same process: the server's figure counts the generator too (10 ms ticks aside).
      expect(step.serverCpu!.processPercent).toBeGreaterThan(step.clientCpuPercent / 2);
    }
    // perf_analyzer's CSV keeps its columns.
    expect((await readFile(join(outDir, 'cpu.csv'), 'utf8')).split('\n')[0]).toMatch(/^Concurrency,Inferences\/Second,Client Send,/);
  });

  it('stops the sweep at the first step over --latency-threshold and names the highest load within it', async () => {
    // Nothing answers within a microsecond: the sweep stops after its first level.
    const tight = await bench(['-u', server.wsUrl, '-m', 'fraud', '--concurrency-range', '1,2,4', ...SHORT, '-l', '0.001', '--percentile', '50', '--json', join(outDir, 'tight.json')]);
    expect(tight.code).toBe(0);
    expect(tight.stdout).toContain('latency threshold 0.001 ms (p50): no step stayed within it; stopped at concurrency 1 (');
    const stopped = await readReport('tight.json');
    expect(stopped.steps.map((s) => s.level)).toEqual([1]);
    expect(stopped.latencyThreshold).toMatchObject({ thresholdMs: 0.001, statistic: 'p50', exceededLevel: 1 });
    expect(stopped.latencyThreshold?.withinLevel).toBeUndefined();

    // A minute is within reach of every step: all run, the last is the answer.
    const loose = await bench(['-u', server.wsUrl, '-m', 'fraud', '--concurrency-range', '1,2', ...SHORT, '-l', '60000', '--json', join(outDir, 'loose.json')]);
    expect(loose.stdout).toMatch(/latency threshold 60000 ms \(mean\): highest load within it: concurrency 2, \d+ infer\/s; no step went over it/);
    expect((await readReport('loose.json')).steps.map((s) => s.level)).toEqual([1, 2]);
  });

  it('says nothing of server CPU it could not read', async () => {
    const { code, stdout, stderr } = await bench(['-u', server.wsUrl, '-m', 'fraud', ...SHORT, '--server-pid', String(2 ** 22 + 1), '--json', join(outDir, 'nocpu.json')]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/server cpu/);
    expect(stderr).toMatch(/no server CPU figures/);
    expect((await readReport('nocpu.json')).steps[0]!.serverCpu).toBeUndefined();
  });

  it('says what is wrong with its arguments or the model, with exit code 2', async () => {
    expect((await bench([])).code).toBe(2);
    const missing = await bench(['-u', server.wsUrl, '-m', 'no_such_model', ...SHORT]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no_such_model.*404|404/);
    const help = await bench(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--concurrency-range/);
  });

  it('on Ctrl-C reports the steps measured so far, with exit code 130', async () => {
    const json = join(outDir, 'interrupted.json');
    // -s 0.0001: windows never agree that closely, so the first step runs until interrupted.
    const cli = runCli(['bench', '-u', server.wsUrl, '-m', 'fraud', '--concurrency-range', '1,2,4', '-p', '300', '--warmup-ms', '0', '--max-trials', '100', '-s', '0.0001', '--json', json]);
    await cli.waitForLog(/concurrency 1 · window 2\/100/);
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(130);
    expect(cli.stderr()).toMatch(/wsinfer bench: interrupted during concurrency 1; its last window was cut short and later steps were not run/);
    expect(cli.stdout()).toMatch(/^conc +infer\/s/m);
    expect(cli.stdout()).toMatch(/^ +1 +\d+.* interrupted \(\d+\) +0$/m);
    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]).toMatchObject({ level: 1, interrupted: true, stable: false, errors: 0 });
    expect(report.steps[0]!.windows).toBeGreaterThanOrEqual(3);
    expect(report.steps[0]!.completed).toBeGreaterThan(0);
  });

  it('reports no step when interrupted before the first window ends', async () => {
    const report = await runBenchmark({
      url: server.wsUrl, protocol: 'ws', model: 'fraud', batch: 1, shapes: new Map(), inputSets: 4, seed: 1, mode: 'concurrency',
      levels: [1, 2], distribution: 'constant', measurementIntervalMs: 2000, warmupMs: 2000, maxTrials: 3, stabilityTolerance: 0.1,
      connections: 1, framing: 'msgpack', requestTimeoutMs: 30_000, maxInFlight: 100, verify: false, verifySamples: 0, quiet: true,
    }, AbortSignal.timeout(100));
    expect(report.steps).toEqual([]);
  });

  it('names the server it cannot reach and why, with exit code 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await bench(['-u', `ws://127.0.0.1:${port}/ws`, '-m', 'fraud', ...SHORT]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`wsinfer bench: could not run: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): is a wsinfer server listening there?\n`);
  });

  it('says when the URL answers with something other than the inference protocol', async () => {
    const web = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = web.address() as AddressInfo;
      const html = await bench(['-u', `http://127.0.0.1:${port}`, '-m', 'fraud', ...SHORT]);
      expect(html.code).toBe(2);
      expect(html.stderr).toBe(`wsinfer bench: GET /v2/models/fraud: 200, and the answer is not JSON: is http://127.0.0.1:${port} an Open Inference Protocol server?\n`);
    } finally {
      await new Promise((resolve) => web.close(resolve));
    }
  });
});

/** A baseline server from bench/baselines on fraud, through tsx: its process and WebSocket URL. */
async function startBaseline(name: string, extraArgs: string[]): Promise<{ child: ChildProcess; url: string }> {
  const script = fileURLToPath(new URL(`../../bench/baselines/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, join(server.repo.dir, 'fraud', '1', 'model.onnx'), '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(/listening on (\d+)/);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { child, url: `ws://127.0.0.1:${port}/ws` };
}

describe('wsinfer bench against the naive baseline', () => {
  let naive: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    ({ child: naive, url } = await startBaseline('naive-server', []));
  });

  afterAll(() => {
    naive?.kill('SIGKILL');
  });

  it('drives it over the same protocol; answers verify, and no server timing is claimed', async () => {
    const modelPath = join(server.repo.dir, 'fraud', '1', 'model.onnx');
    const { code } = await bench(['-u', url, '-m', 'fraud', '--concurrency-range', '4', ...SHORT, '--json', join(outDir, 'naive.json'), '--verify', '--model-path', modelPath]);
    expect(code).toBe(0);
    const report = await readReport('naive.json');
    const [step] = report.steps;
    expect(step!.completed).toBeGreaterThan(0);
    expect(step!.errors).toBe(0);
    expect(step!.server).toBeUndefined();
    expect(report.verify).toMatchObject({ mismatched: 0 });
  });
});

describe('wsinfer bench against the paced echo server', () => {
  let echo: ChildProcess | undefined;
  let url = '';

  beforeAll(async () => {
    ({ child: echo, url } = await startBaseline('echo-server', ['pace:400:8']));
  });

  afterAll(() => {
    echo?.kill('SIGKILL');
  });

  it('answers a closed loop in bursts of the size asked, at the rate asked', async () => {
    const { code } = await bench(['-u', url, '-m', 'fraud', '--concurrency-range', '16', '-p', '1000', '--warmup-ms', '200', '--max-trials', '1', '-q', '--json', join(outDir, 'paced.json')]);
    expect(code).toBe(0);
    const [step] = (await readReport('paced.json')).steps;
    expect(step!.errors).toBe(0);
    expect(step!.server?.batchSize).toBe(8);
    // 400/s is the pace: a burst of 8 every 20 ms, never faster.
    expect(step!.requestsPerSec).toBeGreaterThan(300);
    expect(step!.requestsPerSec).toBeLessThan(420);
  });

  it('finds the highest concurrency within a latency budget by bisection', async () => {
    // Answers leave every 20 ms, 8 at a time: up to 12 in flight wait one tick (p50 about
    // 20 ms), 16 wait two (40 ms), and each 16 more another two.
    const { code, stdout } = await bench(['-u', url, '-m', 'fraud', '--concurrency-range', '4:64:4', '-l', '30', '--percentile', '50', '--binary-search',
      '-p', '300', '--warmup-ms', '100', '--max-trials', '1', '-q', '--json', join(outDir, 'bisected.json')]);
    expect(code).toBe(0);
    const report = await readReport('bisected.json');
    expect(report.steps.map((s) => s.level)).toEqual([4, 64, 32, 16, 8, 12]);
    expect(report.latencyThreshold).toMatchObject({ searched: 'binary', withinLevel: 12, exceededLevel: 16 });
    expect(stdout).toMatch(/highest load within it: concurrency 12, \d+ infer\/s; lowest load over it: concurrency 16 \(\d+\.\d\d ms\)/);
  });

  it('with count windows, counts requests past their timeout as answers, so a stalled server cannot hold a window open', async () => {
    const stalled = await startBaseline('echo-server', ['pace:2:1']);
    try {
      // Two answers a second: 20 answers would take 10 s, but requests older than 200 ms
      // expire as ERR_CLIENT_TIMEOUT and fill the window long before.
      const { code, stderr } = await bench(['-u', stalled.url, '-m', 'fraud', '--concurrency-range', '8', '-p', '100', '--measurement-mode', 'count_windows',
        '--measurement-request-count', '20', '--request-timeout-ms', '200', '--warmup-ms', '0', '--max-trials', '1', '-q', '--json', join(outDir, 'stalled.json')]);
      // Each answer comes 500 ms after the last, so every request times out first.
      expect(code).toBe(1);
      expect(stderr).toMatch(/no request was answered successfully/);
      const [step] = (await readReport('stalled.json')).steps;
      expect(step!.completed + step!.errors).toBeGreaterThanOrEqual(20);
      expect(step!.errorsByCode.ERR_CLIENT_TIMEOUT).toBeGreaterThanOrEqual(10);
      expect(step!.durationMs).toBeLessThan(5000);
    } finally {
      stalled.child.kill('SIGKILL');
    }
  });

  it('with count windows, holds each window open until it has the answers asked for', async () => {
    // At 400 answers/s a 100 ms window holds about 40; each of these must wait for 200.
    const { code, stdout } = await bench(['-u', url, '-m', 'fraud', '--concurrency-range', '16', '-p', '100', '--measurement-mode', 'count_windows',
      '--measurement-request-count', '200', '--warmup-ms', '0', '--max-trials', '2', '-s', '0.0001', '-q', '--json', join(outDir, 'counted.json')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/windows of 200 answers and at least 100 ms/);
    const report = await readReport('counted.json');
    expect(report.measurementRequestCount).toBe(200);
    const [step] = report.steps;
    expect(step!.windows).toBe(2);
    expect(step!.completed).toBeGreaterThanOrEqual(400);
    expect(step!.errors).toBe(0);
  });
});

describe('wsinfer bench when the server goes away mid-run', () => {
  it('WebSocket: stops at that step, counts only the requests in flight, exit code 1', async () => {
    const { child, url } = await startBaseline('naive-server', []);
    const kill = setTimeout(() => child.kill('SIGKILL'), 600);
    try {
      const run = await bench(['-u', url, '-m', 'fraud', '--concurrency-range', '4,8', '-p', '2000', '--warmup-ms', '0', '--max-trials', '3', '-q', '--json', join(outDir, 'lost-ws.json')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the server closed every connection during concurrency 4; later steps were not run/);
      expect(run.stdout).toMatch(/^ +4 +\d+.* lost \(\d+\) /m);
      const { steps } = await readReport('lost-ws.json');
      expect(steps).toHaveLength(1);
      expect(steps[0]!.connectionsLost).toBe(true);
      expect(steps[0]!.completed).toBeGreaterThan(0);
      // Four connections close one after the other: each time its requests fail and are
      // resent on those still open, so at most 4 in flight × 4 closures are lost, and
      // nothing is sent once the last one is gone (before, the loop counted ~300,000).
      expect(steps[0]!.errors).toBeLessThanOrEqual(16);
      expect(Object.keys(steps[0]!.errorsByCode)).toEqual(steps[0]!.errors > 0 ? ['ERR_CONNECTION_CLOSED'] : []);
      // The window ended when the connections did, not after its 2 s.
      expect(steps[0]!.durationMs).toBeLessThan(2000);
    } finally {
      clearTimeout(kill);
      child.kill('SIGKILL');
    }
  });

  it('HTTP: a refused connection stops the load the same way', async () => {
    const doomed = await startTestServer((repo) => repo.addShipped('fraud'));
    const stop = setTimeout(() => void doomed.stop(), 600);
    try {
      const run = await bench(['-u', doomed.httpUrl, '-m', 'fraud', '--concurrency-range', '2,4', '-p', '2000', '--warmup-ms', '0', '--max-trials', '3', '-q', '--json', join(outDir, 'lost-http.json')]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the server closed every connection during concurrency 2/);
      const { steps } = await readReport('lost-http.json');
      expect(steps).toHaveLength(1);
      expect(steps[0]!.connectionsLost).toBe(true);
      expect(steps[0]!.completed).toBeGreaterThan(0);
      // The two in flight, and resends on kept-alive sockets the server closed, until a
      // new connection is refused: a handful, not a loop.
      expect(steps[0]!.errors).toBeLessThanOrEqual(8);
      expect(steps[0]!.durationMs).toBeLessThan(2000);
    } finally {
      clearTimeout(stop);
      await doomed.stop().catch(() => {});
    }
  });
});
