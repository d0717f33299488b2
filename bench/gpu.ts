/**
 * npm run bench:gpu — wsinfer on this machine's NVIDIA GPU, written to
 * bench/gpu-runs/<time>-<gpu>.json and summarised on stdout; `npm run bench` puts the newest
 * such run into BENCHMARKS.md as its GPU section.
 *
 * It reads NVML through wsinfer's addon beside `nvidia-smi` (idle, and under a load you
 * name), times the snapshot, then takes each shipped model on the CUDA execution provider:
 * straight on onnxruntime (outputs against the CPU EP, batch run times), and served by
 * wsinfer from an instance group of kind `gpu`. What fails is recorded with its reason.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type * as ort from 'onnxruntime-node';
import { type RunBenchmarkOptions, runBenchmark } from '../src/bench/run-benchmark.js';
import { readGpuSnapshot, readGpuSnapshotSync } from '../src/gpu/gpu-monitor.js';
import type { GpuSnapshot } from '../src/gpu/gpu-snapshot.js';
import { createSession } from '../src/runtime/session-factory.js';
import { parseBenchArgs } from './lib/bench-args.js';
import { compareSnapshot, type CudaDirectRun, type CudaModelRun, type CudaServedRun, type GpuRun, NVIDIA_SMI_APP_FIELDS, NVIDIA_SMI_FIELDS, type NvmlComparison } from './lib/gpu-run.js';
import { renderGpuSection } from './lib/gpu-section.js';
import { batchSizesFor, LimitSessions } from './lib/limit-runner.js';
import { machineInfo } from './lib/machine-info.js';
import { measureNvmlCost } from './lib/nvml-cost.js';
import { sineFeeds } from './lib/sine-feeds.js';
import { buildWsinfer, ROOT, startWsinfer } from './lib/wsinfer-process.js';

const USAGE = `Usage: npm run bench:gpu [-- options]

Measures wsinfer on this machine's NVIDIA GPU and writes bench/gpu-runs/<time>-<gpu>.json;
the next \`npm run bench\` shows the newest run as BENCHMARKS.md's GPU section.
Exit code 0 when the run was written, 1 when NVML shows no GPU, 2 on a usage error.

Options:
  --only <m1,m2>               shipped models to take (default fraud,cnn,medium)
  --load-command <cmd>         a shell command that keeps the GPU busy (a training job, a
                               burn-in): NVML is compared with nvidia-smi again while it runs
  --nvml-library <path>        libnvidia-ml to load (default $WSINFER_NVML_LIBRARY, else libnvidia-ml.so.1)
  --measurement-interval-ms <n>  window length of the served runs (default 1000)
  --out <file.json>            where to write the run (default bench/gpu-runs/<time>-<gpu>.json)
  --from-source                run wsinfer through tsx instead of building dist/

Environment: WSINFER_NVML_LIBRARY; GIT_COMMIT names the commit of a tree copied without its own .git.
  -h, --help                   show this help
`;

const CONCURRENCIES = [1, 8, 64];
const LIMIT_WINDOW_MS = 2000;
const LOAD_START_TIMEOUT_MS = 60_000;
const SAMPLE_EVERY_MS = 250;

const { values, build, models, intervalMs } = parseBenchArgs('bench:gpu', USAGE, { 'load-command': { type: 'string' }, 'nvml-library': { type: 'string' } });
const libraryPath = values['nvml-library'] ?? (process.env.WSINFER_NVML_LIBRARY?.trim() || null);
const log = (text: string) => process.stderr.write(`bench:gpu: ${text}\n`);
const run = promisify(execFile);

function findOnPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return join(dir, command);
  }
  return null;
}

function shellQuoted(arg: string): string {
  return /^[\w./:=,@-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim().length > 0)?.trim() ?? text;
}

async function compareNow(nvidiaSmi: string | null, when: string): Promise<NvmlComparison[]> {
  if (nvidiaSmi === null) return [];
  const [gpus, apps] = await Promise.all([
    run(nvidiaSmi, [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,nounits']),
    run(nvidiaSmi, [`--query-compute-apps=${NVIDIA_SMI_APP_FIELDS.join(',')}`, '--format=csv,nounits']),
  ]);
  return compareSnapshot(when, await readGpuSnapshot({ libraryPath }), gpus.stdout, apps.stdout);
}

/** Runs `command` until NVML shows a compute process on a GPU (or a minute passes), compares, stops it. */
async function compareUnderLoad(nvidiaSmi: string | null, command: string): Promise<NvmlComparison[]> {
  log(`starting the load: ${command}`);
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const deadline = Date.now() + LOAD_START_TIMEOUT_MS;
    let busy = false;
    while (!busy && Date.now() < deadline && child.exitCode === null) {
      const snapshot = await readGpuSnapshot({ libraryPath });
      busy = snapshot.devices.some((d) => (d.processes?.length ?? 0) > 0 && (d.utilization?.gpuPercent ?? 0) > 0);
      if (!busy) await new Promise((r) => setTimeout(r, 500));
    }
    if (!busy) {
      log('the load command never showed on a GPU; no comparison under load');
      return [];
    }
    await new Promise((r) => setTimeout(r, 2000)); // a full NVML sample period of steady load
    return await compareNow(nvidiaSmi, `while \`${command}\` loads the GPU`);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

async function maxBatchSizeOf(model: string): Promise<number> {
  const config = JSON.parse(await readFile(join(ROOT, 'models', model, 'config.json'), 'utf8')) as { maxBatchSize: number };
  return Math.max(1, config.maxBatchSize);
}

function relativeError(cpu: ort.InferenceSession.OnnxValueMapType, cuda: ort.InferenceSession.OnnxValueMapType): number {
  let diff = 0;
  let norm = 0;
  for (const [name, value] of Object.entries(cpu)) {
    const a = (value as ort.Tensor).data as Float32Array;
    const b = (cuda[name] as ort.Tensor).data as Float32Array;
    for (let i = 0; i < a.length; i++) {
      diff += (a[i]! - b[i]!) ** 2;
      norm += a[i]! ** 2;
    }
  }
  return Math.sqrt(diff / Math.max(norm, Number.MIN_VALUE));
}

async function runDirect(model: string, maxBatchSize: number): Promise<CudaDirectRun> {
  const modelPath = join(ROOT, 'models', model, '1', 'model.onnx');
  let cuda: ort.InferenceSession;
  try {
    cuda = await createSession(modelPath, { executionProvider: 'cuda', deviceId: 0, intraOpThreads: 1 });
  } catch (error) {
    return { status: 'unavailable', reason: firstLine((error as Error).message) };
  }
  const cpu = await createSession(modelPath, { executionProvider: 'cpu', deviceId: 0, intraOpThreads: 1 });
  const feeds = sineFeeds(cpu, maxBatchSize);
  const relativeErrorVsCpu = relativeError(await cpu.run(feeds), await cuda.run(feeds));
  await Promise.all([cpu.release(), cuda.release()]);
  const sessions = await LimitSessions.start(modelPath, { sessions: 1, intraOpThreads: 1 }, 'cuda');
  try {
    const limit = [];
    for (const batch of batchSizesFor(maxBatchSize)) {
      const point = await sessions.measure(batch, LIMIT_WINDOW_MS);
      limit.push({ batch, medianRunUs: point.medianRunUs, rowsPerSec: point.rowsPerSec });
    }
    return { status: 'measured', relativeErrorVsCpu, limit };
  } finally {
    await sessions.close();
  }
}

/** A model repository of the chosen models, each as one instance of kind `gpu`. */
async function gpuRepository(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wsinfer-gpu-'));
  for (const model of models) {
    await cp(join(ROOT, 'models', model), join(dir, model), { recursive: true });
    const configPath = join(dir, model, 'config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(configPath, JSON.stringify({ ...config, instanceGroup: [{ kind: 'gpu', count: 1 }] }, null, 2));
  }
  return dir;
}

function loadOptions(url: string, model: string): RunBenchmarkOptions {
  return {
    url, protocol: 'ws', model, batch: 1, shapes: new Map(), inputSets: 16, seed: 1, mode: 'concurrency', levels: CONCURRENCIES,
    distribution: 'poisson', measurementIntervalMs: intervalMs, warmupMs: 1000, maxTrials: 5, stabilityTolerance: 0.1,
    connections: 4, framing: 'msgpack', requestTimeoutMs: 30_000, maxInFlight: 10_000, verify: false, verifySamples: 0, quiet: true,
  };
}

async function serve(nvidiaSmi: string | null, comparisons: NvmlComparison[]): Promise<Map<string, CudaServedRun>> {
  const repository = await gpuRepository();
  const server = await startWsinfer(repository, build);
  const served = new Map<string, CudaServedRun>();
  try {
    for (const model of models) {
      const metadata = (await (await fetch(`http://127.0.0.1:${server.port}/v2/models/${model}`)).json()) as { state?: string; reason?: string };
      const state = metadata.state ?? 'unknown';
      if (state !== 'ready') {
        served.set(model, { state, ...(metadata.reason ? { reason: metadata.reason } : {}), steps: [], busiestGpuPercent: null, serverDeviceBytes: null });
        continue;
      }
      log(`${model}: wsinfer on CUDA, closed loop ${CONCURRENCIES.join(', ')}`);
      let busiest: number | null = null;
      let deviceBytes: number | null = null;
      const sampler = setInterval(() => {
        const snapshot: GpuSnapshot = readGpuSnapshotSync({ libraryPath });
        for (const d of snapshot.devices) {
          if (d.utilization) busiest = Math.max(busiest ?? 0, d.utilization.gpuPercent);
          const mine = d.processes?.find((p) => p.pid === server.child.pid)?.usedMemoryBytes;
          if (mine != null) deviceBytes = Math.max(deviceBytes ?? 0, mine);
        }
      }, SAMPLE_EVERY_MS);
      const benchmark = runBenchmark(loadOptions(server.wsUrl, model));
      if (!comparisons.some((c) => c.when.startsWith('while wsinfer'))) {
        await new Promise((r) => setTimeout(r, 3000));
        comparisons.push(...(await compareNow(nvidiaSmi, `while wsinfer serves ${model} on CUDA`)));
      }
      const steps = (await benchmark).steps;
      clearInterval(sampler);
      served.set(model, { state, steps, busiestGpuPercent: busiest, serverDeviceBytes: deviceBytes });
    }
  } finally {
    await server.stop();
    await rm(repository, { recursive: true, force: true });
  }
  return served;
}

async function main(): Promise<void> {
  const startedMs = performance.now();
  const startedAt = new Date().toISOString();
  // First, in a process that has not touched NVML yet: the first snapshot pays for nvmlInit.
  const nvmlCost = await measureNvmlCost(libraryPath);
  const snapshot = await readGpuSnapshot({ libraryPath });
  if (!snapshot.available || snapshot.devices.length === 0) {
    log(`no GPU to measure: ${snapshot.reason ?? 'NVML reports no devices'}`);
    process.exit(1);
  }
  log(`${snapshot.devices.map((d) => `GPU ${d.index}: ${d.name ?? 'unnamed'}`).join('; ')}, driver ${snapshot.driverVersion ?? 'unknown'}`);
  if (build === 'dist') {
    log('building dist/ (npm run build)');
    buildWsinfer(log);
  }
  const nvidiaSmi = findOnPath('nvidia-smi');
  if (nvidiaSmi === null) log('nvidia-smi is not on PATH: no field-by-field comparison');
  const comparisons = await compareNow(nvidiaSmi, 'idle');
  if (values['load-command']) comparisons.push(...(await compareUnderLoad(nvidiaSmi, values['load-command'])));
  const direct: Array<Omit<CudaModelRun, 'served'>> = [];
  for (const model of models) {
    log(`${model}: onnxruntime on the CUDA execution provider`);
    const maxBatchSize = await maxBatchSizeOf(model);
    direct.push({ model, maxBatchSize, direct: await runDirect(model, maxBatchSize) });
  }
  const served = await serve(nvidiaSmi, comparisons);
  const results: CudaModelRun[] = direct.map((d) => ({ ...d, served: served.get(d.model)! }));
  const gpuRun: GpuRun = {
    machine: machineInfo(ROOT),
    startedAt,
    durationMs: performance.now() - startedMs,
    command: ['npm run bench:gpu', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2).map(shellQuoted)] : [])].join(' '),
    snapshot,
    nvidiaSmi,
    comparisons,
    nvmlCost,
    models: results,
  };
  const slug = (snapshot.devices[0]?.name ?? 'gpu').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const outFile = values.out ?? join(ROOT, 'bench', 'gpu-runs', `${startedAt.replace(/[:.]/g, '-')}-${slug}.json`);
  await mkdir(join(outFile, '..'), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(gpuRun, null, 2)}\n`);
  process.stdout.write(`${renderGpuSection(gpuRun, relative(ROOT, outFile))}\n`);
  log(`wrote ${outFile} in ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
}

await main();
