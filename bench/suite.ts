/**
 * `npm run bench`: the benchmark suite behind BENCHMARKS.md. For each shipped model it
 * measures, in one run on this machine:
 *   1. the limit — onnxruntime-node in-process, no I/O, the best layout and batch size;
 *   2. the naive peer (bench/baselines/naive-server.ts) — closed loop at 1, 8, 64;
 *   3. wsinfer with its shipped config — closed loop at 1, 8, 64 (and for medium also
 *      where its instances run full batches, the saturation goal's load), then open loop
 *      (Poisson) at half of its best closed-loop rate;
 *   4. the echo ceiling (bench/baselines/echo-server.ts, no inference) — closed loop at
 *      1 and 64, and open loop at wsinfer's rate: what the machine and the generator allow;
 *      and, alternating with the limit's batch-1 run and wsinfer at 1, the echo server
 *      running the model in place: the least a server that runs the model adds; and for
 *      medium, the limit while the echo server answers the saturation pairs' closed loop
 *      paced to wsinfer's rate: the least a server takes from the limit;
 * then the memory one more instance costs (and, first of all, what a bare worker thread
 * and a session in one cost), and writes BENCHMARKS.md with the goals.
 * Loopback only; every step is bounded in windows and time (about 5½ minutes in all on the
 * 2-core machine BENCHMARKS.md describes).
 *
 *   npm run bench [-- --only fraud,medium] [--measurement-interval-ms 1000] [--out FILE] [--from-source]
 *
 * wsinfer runs as users run it, `node bin/wsinfer.mjs serve` on dist/ (built first);
 * --from-source runs it through tsx instead, with no build.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { StepReport } from '../src/bench/bench-types.js';
import { type RunBenchmarkOptions, runBenchmark } from '../src/bench/run-benchmark.js';
import { SHIPPED_MODELS, parseBenchArgs } from './lib/bench-args.js';
import { type GpuRunFile, renderBenchmarksMd } from './lib/benchmarks-md.js';
import type { GpuRun } from './lib/gpu-run.js';
import { closedStep, evaluateGoals, saturation, saturationConcurrency, verdict } from './lib/goals.js';
import { type LimitGraph, prepareLimitGraph } from './lib/limit-graph.js';
import { LimitSessions, limitContenders, measureLimit } from './lib/limit-runner.js';
import { machineInfo } from './lib/machine-info.js';
import { probeMemory } from './lib/memory-probe.js';
import { limitOpenLoop } from './lib/limit-open-loop.js';
import { type LimitUnderLoad, measureLimitUnderLoad } from './lib/limit-under-load.js';
import { probeNoise } from './lib/noise-probe.js';
import { pairP50WithRun, pairWithLimit, pairWithServer } from './lib/paired-runs.js';
import type { ModelFigures, ServedConfig, SuiteResult } from './lib/suite-result.js';
import { type WorkerMemoryFigures, measureWorkerMemory } from './lib/worker-memory.js';
import { ROOT, buildWsinfer, compileBaseline, startBaseline, startWsinfer, wsinferCommand } from './lib/wsinfer-process.js';

// The suite's own threads must not work in the background while a server is measured.
// V8's memory reducer collects an isolate's heap about 8 s after it starts, and the limit's
// sessions start right before the saturation pairs: their collections (eight in all, with
// tsx's loader threads) landed in the second wsinfer window, which was the lowest of the
// five in ten of eleven suite runs. Servers run in processes of their own, unaffected; set
// before any worker thread starts, so every one of ours starts without it.
setFlagsFromString('--no-memory-reducer');

const CONCURRENCIES = [1, 8, 64];
/** The model whose saturation ÷ limit is a goal. */
const SATURATION_MODEL = 'medium';
/** The echo ceiling needs only the levels the goals compare at. */
const CEILING_CONCURRENCIES = [1, 64];
/** The model whose memory per extra instance is a goal. */
const MEMORY_MODEL = 'medium';
/** Each (layout, batch size) point of the limit runs this long. */
const LIMIT_POINT_MS = 600;
const MAX_TRIALS = 5;
/**
 * Alternating runs behind each paired figure: (reference, wsinfer) for the throughput
 * ratios, (limit's batch-1 run, wsinfer's p50 at c=1) for the p50 goals, (limit alone,
 * limit while the echo server answers) for the saturation bound. Five keep the suite near
 * five and a half minutes; more (--pairs) narrow the interval around each median.
 */
const DEFAULT_PAIRS = 5;
/** How long the limit runs batch-1 back to back in each of those pairs. */
const P50_RUN_WINDOW_MS = 400;
/** The limit's open loop (the model's own queueing at wsinfer's open-loop rate) runs this long. */
const LIMIT_OPEN_LOOP_MS = 3000;

const USAGE = `Usage: npm run bench [-- options]

Measures every shipped model three ways on this machine (onnxruntime in-process, the naive
server, wsinfer, and a server that runs no model) and writes BENCHMARKS.md with the goals.
About 5½ minutes on 2 cores.

Options:
  --only <models>               comma-separated subset of ${SHIPPED_MODELS.join(', ')}
  --measurement-interval-ms <n> length of one measurement window (default 1000)
  --pairs <n>                   alternating runs behind each paired figure (default ${DEFAULT_PAIRS});
                                each adds about 20 s to a full run, and narrows the
                                interval shown around the saturation goal's median
  --out <file>                  where to write the report (default BENCHMARKS.md)
  --from-source                 run wsinfer through tsx instead of building dist/
  --render <result.json>        measure nothing: write the report from a saved run
                                (bench/results/suite-*.json), after a change to how it is written
  -h, --help                    show this help

The GPU section shows the newest run in bench/gpu-runs/, written by \`npm run bench:gpu\`
on a machine with an NVIDIA GPU.
`;

const { values, build, models, intervalMs } = parseBenchArgs('bench', USAGE, { pairs: { type: 'string' }, render: { type: 'string' } });
const pairCount = Number(values.pairs ?? DEFAULT_PAIRS);
if (!Number.isInteger(pairCount) || pairCount < 1 || pairCount > 100) {
  process.stderr.write(`bench: --pairs must be a whole number from 1 to 100, not '${values.pairs}'\n`);
  process.exit(2);
}
const outFile = values.out ?? join(ROOT, 'BENCHMARKS.md');
const modelsDir = join(ROOT, 'models');

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

/** serverPid: the server process under test, whose CPU time each step then reports. */
function loadOptions(url: string, model: string, mode: 'concurrency' | 'rate', levels: number[], serverPid?: number): RunBenchmarkOptions {
  return {
    url, protocol: 'ws', model, batch: 1, shapes: new Map(), inputSets: 16, seed: 1, mode, levels,
    distribution: 'poisson', measurementIntervalMs: intervalMs, warmupMs: 1000, maxTrials: MAX_TRIALS, stabilityTolerance: 0.1,
    connections: 4, framing: 'msgpack', requestTimeoutMs: 30_000, maxInFlight: 10_000, verify: false, verifySamples: 0, quiet: true,
    serverPid,
  };
}

function describe(step: StepReport): string {
  const load = step.mode === 'concurrency' ? `c=${step.level}` : `${step.level.toFixed(0)}/s`;
  return `${load}: ${step.inferPerSec.toFixed(0)} infer/s, p50 ${(step.latency.p50Us / 1000).toFixed(2)} ms, p99 ${(step.latency.p99Us / 1000).toFixed(2)} ms, ` +
    `batch ${step.server?.batchSize.toFixed(1) ?? '–'}, errors ${step.errors}, generator ${step.clientCpuPercent.toFixed(0)} % CPU` +
    (step.serverCpu ? `, server ${step.serverCpu.processPercent.toFixed(0)} % (main thread ${step.serverCpu.mainThreadPercent.toFixed(0)} %)` : '');
}

async function servedConfig(model: string): Promise<ServedConfig> {
  const raw = JSON.parse(await readFile(join(modelsDir, model, 'config.json'), 'utf8')) as {
    maxBatchSize: number; intraOpThreads?: number; instanceGroup?: Array<{ count?: number }>;
    dynamicBatching?: { maxQueueDelayUs?: number; preferredBatchSizes?: number[] };
  };
  return {
    maxBatchSize: raw.maxBatchSize,
    maxQueueDelayUs: raw.dynamicBatching?.maxQueueDelayUs ?? 0,
    preferredBatchSizes: raw.dynamicBatching?.preferredBatchSizes ?? [],
    instances: (raw.instanceGroup ?? [{ count: 1 }]).reduce((sum, g) => sum + (g.count ?? 1), 0),
    intraOpThreads: raw.intraOpThreads ?? 1,
  };
}

/**
 * wsinfer's closed loops: the issue's three, and for the saturation goal's model also the
 * concurrency at which its instances run full batches (saturationConcurrency).
 */
function closedLoopsFor(model: ModelFigures): number[] {
  if (model.name !== SATURATION_MODEL) return CONCURRENCIES;
  const full = saturationConcurrency(model.config);
  return CONCURRENCIES.includes(full) ? CONCURRENCIES : [...CONCURRENCIES, full].sort((x, y) => x - y);
}

async function main(): Promise<void> {
  const startedMs = performance.now();
  const startedAt = new Date().toISOString();
  const figures: ModelFigures[] = [];
  if (build === 'dist') {
    log('building dist/ (npm run build)');
    buildWsinfer(log);
  }
  const naiveScript = await compileBaseline('naive-server');
  const echoScript = await compileBaseline('echo-server');
  log('machine noise floor (stalls, timer lateness, thread hand-off)');
  const noise = await probeNoise();
  // In fresh processes of its own (bench/lib/worker-memory.ts), while the machine is quiet.
  let workerMemory: WorkerMemoryFigures | undefined;
  if (models.includes(MEMORY_MODEL)) {
    const config = await servedConfig(MEMORY_MODEL);
    log(`${MEMORY_MODEL}: resident memory of a bare worker thread and of one holding a session`);
    workerMemory = await measureWorkerMemory(join(modelsDir, MEMORY_MODEL, '1', 'model.onnx'), config.maxBatchSize, config.intraOpThreads);
  }

  // The limit first, while nothing else of ours runs, on the graph wsinfer's instances open.
  const graphs = new Map<string, LimitGraph>();
  const limitPath = (model: string) => graphs.get(model)?.path ?? join(modelsDir, model, '1', 'model.onnx');
  for (const name of models) {
    const modelPath = join(modelsDir, name, '1', 'model.onnx');
    const config = await servedConfig(name);
    const graph = await prepareLimitGraph(modelPath);
    graphs.set(name, graph);
    log(`${name}: limit (onnxruntime in-process${graph.sharedWeights ? ', on the shared-weights graph' : `, on the model file: ${graph.reason}`})`);
    const limit = await measureLimit(graph.path, config.maxBatchSize, LIMIT_POINT_MS);
    log(`${name}: limit ${limit.best.rowsPerSec.toFixed(0)} rows/s (${limit.best.sessions} × ${limit.best.intraOpThreads}, batch ${limit.best.batch})`);
    figures.push({ name, fileBytes: (await stat(modelPath)).size, config, limit, limitSharedWeights: graph.sharedWeights, naive: [], wsinfer: [], ceiling: [] });
  }

  for (const model of figures) {
    const naive = await startBaseline(naiveScript, join(modelsDir, model.name, '1', 'model.onnx'));
    try {
      model.naive = (await runBenchmark(loadOptions(naive.wsUrl, model.name, 'concurrency', CONCURRENCIES, naive.child.pid))).steps;
      for (const step of model.naive) log(`${model.name}: naive ${describe(step)}`);
    } finally {
      await naive.stop();
    }
  }

  const paired: SuiteResult['paired'] = {};
  const medium = figures.find((m) => m.name === SATURATION_MODEL);
  const wsinfer = await startWsinfer(modelsDir, build);
  try {
    for (const model of figures) {
      model.wsinfer = (await runBenchmark(loadOptions(wsinfer.wsUrl, model.name, 'concurrency', closedLoopsFor(model), wsinfer.child.pid))).steps;
      for (const step of model.wsinfer) log(`${model.name}: wsinfer ${describe(step)}`);
      const halfRate = saturation(model.wsinfer) / 2;
      if (halfRate > 0) {
        model.wsinferOpen = (await runBenchmark(loadOptions(wsinfer.wsUrl, model.name, 'rate', [Math.round(halfRate)], wsinfer.child.pid))).steps[0];
        if (model.wsinferOpen) log(`${model.name}: wsinfer open loop ${describe(model.wsinferOpen)}`);
      }
    }
    const pairWindowMs = Math.round(intervalMs * 1.5);
    const fraud = figures.find((m) => m.name === 'fraud');
    if (fraud) {
      log(`fraud: ${pairCount} alternating naive / wsinfer runs at concurrency 64`);
      const naive = await startBaseline(naiveScript, join(modelsDir, 'fraud', '1', 'model.onnx'));
      try {
        paired.fraudVsNaive = await pairWithServer(loadOptions('', 'fraud', 'concurrency', [64]), naive.wsUrl, wsinfer.wsUrl, 64, pairCount, pairWindowMs);
      } finally {
        await naive.stop();
      }
    }
    if (medium) {
      const concurrency = saturationConcurrency(medium.config);
      log(`${medium.name}: ${pairCount} alternating limit / wsinfer runs at concurrency ${concurrency}`);
      const contenders = await Promise.all(limitContenders(medium.limit).map(async (point) => ({ sessions: await LimitSessions.start(limitPath(medium.name), point), batch: point.batch })));
      try {
        paired.mediumVsLimit = await pairWithLimit(
          loadOptions('', medium.name, 'concurrency', [concurrency], wsinfer.child.pid), contenders, wsinfer.wsUrl, concurrency, pairCount, pairWindowMs,
          medium.config.instances,
        );
      } finally {
        await Promise.all(contenders.map((c) => c.sessions.close()));
      }
    }
    for (const model of figures) {
      log(`${model.name}: ${pairCount} alternating runs at c=1: limit batch-1, wsinfer, the echo server running the model in place`);
      const sessions = await LimitSessions.start(limitPath(model.name), { sessions: 1, intraOpThreads: model.config.intraOpThreads });
      const inline = await startBaseline(echoScript, limitPath(model.name), `run:${model.config.intraOpThreads}`);
      try {
        const base = loadOptions('', model.name, 'concurrency', [1]);
        model.pairedP50 = await pairP50WithRun(base, sessions, wsinfer.wsUrl, inline.wsUrl, pairCount, P50_RUN_WINDOW_MS, Math.round(intervalMs * 0.8));
        const inlineUs = model.pairedP50.medianInlineOverheadUs;
        log(`${model.name}: p50 − batch-1 run, median of pairs: wsinfer ${(model.pairedP50.medianOverheadUs / 1000).toFixed(3)} ms, ` +
          `in place ${inlineUs === undefined ? '–' : (inlineUs / 1000).toFixed(3)} ms`);
      } finally {
        await Promise.all([sessions.close(), inline.stop()]);
      }
    }
  } finally {
    await wsinfer.stop();
  }

  // After wsinfer, because the open-loop step runs at wsinfer's own open-loop rate.
  let mediumLimitUnderLoad: LimitUnderLoad | undefined;
  // The same closed loop as wsinfer's saturation pairs, answered by the echo server at
  // wsinfer's rate in bursts of wsinfer's mean batch: the generator does the same work as
  // against wsinfer, and the server the least any server can.
  const limitWhileServing = async (model: ModelFigures): Promise<LimitUnderLoad | undefined> => {
    const rates = paired.mediumVsLimit?.pairs.map((p) => p.wsinfer).sort((a, b) => a - b);
    const rate = Math.round(rates?.[Math.floor(rates.length / 2)] ?? saturation(model.wsinfer));
    const concurrency = saturationConcurrency(model.config);
    const burst = Math.max(1, Math.round(closedStep(model.wsinfer, concurrency)?.server?.batchSize ?? model.config.maxBatchSize));
    if (!(rate > 0)) return undefined;
    log(`${model.name}: limit alone / while the echo server answers c=${concurrency} at ${rate} req/s in bursts of ${burst}, ${pairCount} alternating runs`);
    const paced = await startBaseline(echoScript, limitPath(model.name), `pace:${rate}:${burst}`);
    const sessions = await LimitSessions.start(limitPath(model.name), model.limit.best);
    try {
      const load = loadOptions(paced.wsUrl, model.name, 'concurrency', [concurrency]);
      const measured = await measureLimitUnderLoad(sessions, model.limit.best.batch, load, rate, burst, pairCount, Math.round(intervalMs * 1.5));
      log(`${model.name}: the limit keeps ${(measured.medianRatio * 100).toFixed(0)} % of its rows/s while requests are answered ` +
        `(${measured.pairs.map((p) => Math.round(p.answeredRps)).join(' / ')} req/s answered)`);
      return measured;
    } finally {
      await sessions.close();
      await paced.stop();
    }
  };
  for (const model of figures) {
    if (model.wsinferOpen) {
      const layout = { sessions: model.config.instances, intraOpThreads: model.config.intraOpThreads };
      const sessions = await LimitSessions.start(limitPath(model.name), layout);
      try {
        model.limitOpen = await limitOpenLoop(sessions, model.wsinferOpen.level, model.config.maxBatchSize, LIMIT_OPEN_LOOP_MS, 500);
        log(`${model.name}: limit open loop ${Math.round(model.wsinferOpen.level)}/s in-process: p50 ${(model.limitOpen.latency.p50Us / 1000).toFixed(2)} ms, ` +
          `p99 ${(model.limitOpen.latency.p99Us / 1000).toFixed(2)} ms, batch ${model.limitOpen.meanBatch.toFixed(1)}`);
      } finally {
        await sessions.close();
      }
    }
    const echo = await startBaseline(echoScript, limitPath(model.name));
    try {
      model.ceiling = (await runBenchmark(loadOptions(echo.wsUrl, model.name, 'concurrency', CEILING_CONCURRENCIES, echo.child.pid))).steps;
      for (const step of model.ceiling) log(`${model.name}: echo ceiling ${describe(step)}`);
      if (model.wsinferOpen) {
        model.ceilingOpen = (await runBenchmark(loadOptions(echo.wsUrl, model.name, 'rate', [model.wsinferOpen.level], echo.child.pid))).steps[0];
        if (model.ceilingOpen) log(`${model.name}: echo ceiling open loop ${describe(model.ceilingOpen)}`);
      }
    } finally {
      await echo.stop();
    }
  }
  if (medium) mediumLimitUnderLoad = await limitWhileServing(medium);

  let memory;
  if (models.includes(MEMORY_MODEL)) {
    log(`${MEMORY_MODEL}: resident memory with 1 and 3 instances`);
    memory = { ...(await probeMemory(modelsDir, MEMORY_MODEL, build)), ...workerMemory };
  }
  // On a failure before here the folders stay, and the next process to prepare weights removes them.
  await Promise.all([...graphs.values()].map((graph) => graph.dispose()));

  const result: SuiteResult = {
    machine: machineInfo(ROOT),
    noise,
    startedAt,
    durationMs: performance.now() - startedMs,
    serverCommand: wsinferCommand(build),
    measurementIntervalMs: intervalMs,
    models: figures,
    memory,
    paired,
    mediumLimitUnderLoad,
  };
  await writeReport(result);
  const resultsDir = join(ROOT, 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `suite-${startedAt.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
  logGoals(result);
  log(`wrote ${outFile} in ${((performance.now() - startedMs) / 1000).toFixed(0)} s`);
}

/** The newest run of `npm run bench:gpu` (bench/gpu-runs/<time>-<gpu>.json: names sort by time). */
async function newestGpuRun(): Promise<GpuRunFile | undefined> {
  const dir = join('bench', 'gpu-runs');
  const names = (await readdir(join(ROOT, dir)).catch(() => [])).filter((n) => n.endsWith('.json')).sort();
  const newest = names.at(-1);
  if (newest === undefined) return undefined;
  const run = JSON.parse(await readFile(join(ROOT, dir, newest), 'utf8')) as GpuRun;
  return { run, file: `${dir}/${newest}` };
}

async function writeReport(result: SuiteResult): Promise<void> {
  const whatWeChanged = await readFile(join(ROOT, 'bench', 'what-we-changed.md'), 'utf8').catch(() => '');
  await writeFile(outFile, renderBenchmarksMd(result, whatWeChanged, await newestGpuRun()));
}

function logGoals(result: SuiteResult): void {
  for (const goal of evaluateGoals(result)) {
    log(`goal ${verdict(goal)}  ${goal.figure}: ${goal.value} (${goal.goal}; this machine allows ${goal.machineAllows?.value ?? '–'})`);
  }
}

if (values.render) {
  const result = JSON.parse(await readFile(values.render, 'utf8')) as SuiteResult;
  await writeReport(result);
  logGoals(result);
  log(`wrote ${outFile} from ${values.render} (run at ${result.startedAt}, git ${result.machine.gitSha})`);
} else {
  await main();
}
