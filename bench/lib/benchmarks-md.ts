/** BENCHMARKS.md, rendered from one suite run. */
import type { StepReport } from '../../src/bench/bench-types.js';
import { type GoalCheck, batch1RunUs, evaluateGoals, saturation, verdict } from './goals.js';
import type { GpuRun } from './gpu-run.js';
import { coreSharesSection } from './core-shares-md.js';
import { renderGpuSection } from './gpu-section.js';
import { int, percent, table } from './md-table.js';
import { goalMeasure, perExtraInstanceBytes } from './memory-probe.js';
import type { PairedComparison } from './paired-runs.js';
import type { ModelFigures, SuiteResult } from './suite-result.js';

const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** withServerCpu: the table has the server's CPU columns (the suite passed its pid and /proc was readable). */
function stepRow(server: string, step: StepReport, withServerCpu: boolean): string[] {
  const errors = Object.entries(step.errorsByCode).map(([code, n]) => `${code} ${n}`).join(', ') || '0';
  return [
    server,
    step.mode === 'concurrency' ? `c=${step.level}` : `Poisson ${int(step.level)}/s`,
    int(step.inferPerSec),
    ms(step.latency.p50Us), ms(step.latency.p90Us), ms(step.latency.p95Us), ms(step.latency.p99Us), ms(step.latency.maxUs),
    step.server ? step.server.batchSize.toFixed(1) : '–',
    step.server ? int(step.server.queueUs) : '–',
    step.server ? int(step.server.computeUs) : '–',
    percent(step.clientCpuPercent),
    ...(withServerCpu ? [step.serverCpu ? percent(step.serverCpu.processPercent) : '–', step.serverCpu ? percent(step.serverCpu.mainThreadPercent) : '–'] : []),
    step.stable ? 'yes' : `no (${step.windows} windows)`,
    errors,
  ];
}

function modelSection(model: ModelFigures): string {
  const c = model.config;
  const best = model.limit.best;
  const limitRows = model.limit.points.map((p) => {
    const isBest = p === best || (p.sessions === best.sessions && p.intraOpThreads === best.intraOpThreads && p.batch === best.batch);
    const cells = [`${p.sessions} × ${p.intraOpThreads}`, String(p.batch), int(p.rowsPerSec), int(p.medianRunUs)];
    return isBest ? cells.map((x) => `**${x}**`) : cells;
  });
  const served: Array<[string, StepReport]> = [
    ...model.ceiling.map((s): [string, StepReport] => ['echo ceiling', s]),
    ...(model.ceilingOpen ? [['echo ceiling', model.ceilingOpen] as [string, StepReport]] : []),
    ...model.naive.map((s): [string, StepReport] => ['naive', s]),
    ...model.wsinfer.map((s): [string, StepReport] => ['wsinfer', s]),
    ...(model.wsinferOpen ? [['wsinfer', model.wsinferOpen] as [string, StepReport]] : []),
  ];
  const withServerCpu = served.some(([, s]) => s.serverCpu);
  const steps = served.map(([server, s]) => stepRow(server, s, withServerCpu));
  const run1 = batch1RunUs(model);
  return [
    `### ${model.name}`,
    '',
    `Model file ${(model.fileBytes / 1024).toFixed(0)} KiB. wsinfer's shipped config: maxBatchSize ${c.maxBatchSize}, preferred sizes [${c.preferredBatchSizes.join(', ')}], ` +
      `maxQueueDelayUs ${c.maxQueueDelayUs}, ${c.instances} instance(s) × ${c.intraOpThreads} intra-op thread(s).`,
    '',
    `**Limit** (onnxruntime-node in-process, no I/O; sessions in worker threads × intra-op threads each${limitGraphNote(model)}; best in bold): ` +
      `${int(best.rowsPerSec)} rows/s with ${best.sessions} × ${best.intraOpThreads} at batch ${best.batch}. ` +
      `Batch-1 run time of one session alone: ${Object.entries(model.limit.batch1RunUsByThreads).map(([t, us]) => `${int(us)} µs with ${t} thread(s)`).join(', ')}` +
      `${run1 === undefined ? '' : ` (the goal uses ${c.intraOpThreads} thread(s), as wsinfer's instances run)`}.`,
    '',
    table(['sessions × threads', 'batch', 'rows/s', 'median run µs'], limitRows),
    ...limitOpenLine(model),
    '',
    `**Served** (saturation: ${int(saturation(model.wsinfer))} infer/s for wsinfer, ${int(saturation(model.naive))} for the naive peer` +
      `${model.ceiling.length > 0 ? `, ${int(saturation(model.ceiling))} for the echo ceiling` : ''}):`,
    '',
    table([
      'server', 'load', 'infer/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'max ms', 'batch', 'queue µs', 'compute µs', 'generator CPU',
      ...(withServerCpu ? ['server CPU', 'main thread'] : []), 'stable', 'errors',
    ], steps),
    '',
  ].join('\n');
}

function limitOpenLine(model: ModelFigures): string[] {
  const open = model.limitOpen;
  if (!open) return [];
  const ms = (us: number) => (us / 1000).toFixed(2);
  return [
    '',
    `**The model's own queueing** (the Poisson arrivals of wsinfer's open-loop step, ${int(open.rateRps)}/s, fed in-process to ${model.config.instances} session(s) ` +
      `like wsinfer's instances, each batch everything waiting up to ${model.config.maxBatchSize} rows; ${int(open.measured)} requests): ` +
      `p50 ${ms(open.latency.p50Us)} ms, p90 ${ms(open.latency.p90Us)} ms, p99 ${ms(open.latency.p99Us)} ms, max ${ms(open.latency.maxUs)} ms; ` +
      `mean batch ${open.meanBatch.toFixed(1)}, mean run ${int(open.meanRunUs)} µs.`,
  ];
}

function noiseSection(result: SuiteResult): string {
  const n = result.noise;
  return [
    'Measured by the suite before anything else ran; these bound what any server can show here.',
    '',
    table(['probe', 'result'], [
      [`a thread spinning ${(n.stalls.spinMs / 1000).toFixed(0)} s loses the CPU for > 100 µs`, `${n.stalls.count} times, ${n.stalls.totalMs.toFixed(1)} ms in all, longest ${n.stalls.maxMs.toFixed(2)} ms`],
      ['a 500 µs timer fires late by (p50 / p99): wsinfer\'s precise timer', `${int(n.timerLateUs.preciseP50)} / ${int(n.timerLateUs.preciseP99)} µs`],
      ['… Node\'s setTimeout', `${int(n.timerLateUs.setTimeoutP50)} / ${int(n.timerLateUs.setTimeoutP99)} µs`],
      ['one message to a worker thread idle for 1 ms and back (p50 / p99)', `${int(n.handOffRoundTripUs.p50)} / ${int(n.handOffRoundTripUs.p99)} µs`],
    ]),
  ].join('\n');
}

function pairedSection(result: SuiteResult): string {
  const comparisons = [result.paired.fraudVsNaive && { model: 'fraud', c: result.paired.fraudVsNaive }, result.paired.mediumVsLimit && { model: 'medium', c: result.paired.mediumVsLimit }]
    .filter((x): x is { model: string; c: PairedComparison } => Boolean(x));
  const latency = result.models.filter((m) => m.pairedP50 && m.pairedP50.pairs.length > 0);
  if (comparisons.length === 0 && latency.length === 0) return 'Not measured in this run.';
  const rows = comparisons.flatMap(({ model, c }) => c.pairs.map((p, i) => [
    model, `${c.reference} vs wsinfer at c=${c.concurrency}`, String(i + 1), int(p.reference), int(p.wsinfer), (p.reference > 0 ? p.wsinfer / p.reference : 0).toFixed(2),
  ]));
  const us = (v: number | undefined) => (v === undefined ? '–' : int(v));
  const overMs = (p50Us: number | undefined, runUs: number) => (p50Us === undefined ? '–' : ((p50Us - runUs) / 1000).toFixed(3));
  const latencyRows = latency.flatMap((m) => m.pairedP50!.pairs.map((p, i) => [
    m.name, String(i + 1), int(p.runUs), int(p.p50Us), us(p.computeUs), overMs(p.p50Us, p.runUs), us(p.inlineP50Us), us(p.inlineComputeUs), overMs(p.inlineP50Us, p.runUs),
  ]));
  return [
    'The machine\'s speed drifts on a shared host, so the goals that compare wsinfer with a reference also come from short runs of the two taken alternately ' +
      '(in throughput pairs the reference runs first in odd pairs and second in even ones, so a steady drift favours neither); each goal uses the median over its pairs.',
    ...(rows.length > 0 ? ['', table(['model', 'comparison', 'pair', 'reference rows/s', 'wsinfer infer/s', 'ratio'], rows)] : []),
    ...(latencyRows.length > 0 ? [
      '',
      '**p50 against the batch-1 run**: the limit\'s median batch-1 run (one session as wsinfer\'s instances run it, back to back), then wsinfer\'s p50 at concurrency 1 ' +
        'in the window right after, then the echo server running the model in place (a session set up like wsinfer\'s, run on the answering thread before each reply). ' +
        '"run" for the two servers is their own mean run time at c=1, from their `timing` blocks.',
      '',
      table(['model', 'pair', 'limit batch-1 run µs', 'wsinfer p50 µs', 'wsinfer run µs', 'wsinfer p50 − limit run ms', 'in place p50 µs', 'in place run µs', 'in place p50 − limit run ms'], latencyRows),
    ] : []),
    ...coreSharesSection(result.paired.mediumVsLimit),
    ...limitUnderLoadSection(result.mediumLimitUnderLoad),
  ].join('\n');
}

function limitUnderLoadSection(underLoad: SuiteResult['mediumLimitUnderLoad']): string[] {
  if (!underLoad) return [];
  return [
    '',
    `**The limit while requests are answered** (medium): the limit's sessions (batch ${underLoad.batch}) alone, then while the echo server answers ` +
      `the same closed loop as the saturation pairs (concurrency ${underLoad.concurrency}, the same generator), paced to ${int(underLoad.rateRps)} requests/s ` +
      `(wsinfer's rate in the pairs above) in bursts of ${underLoad.burst} (wsinfer's mean batch) — the share of the limit any server keeps once it serves the requests themselves.`,
    '',
    table(['pair', 'limit alone rows/s', 'limit while serving rows/s', 'ratio', 'requests/s answered meanwhile', 'sessions\' CPU alone / while serving'], underLoad.pairs.map((p, i) => [
      String(i + 1), int(p.aloneRowsPerSec), int(p.servingRowsPerSec), (p.aloneRowsPerSec > 0 ? p.servingRowsPerSec / p.aloneRowsPerSec : 0).toFixed(2), int(p.answeredRps),
      p.aloneComputePercent === undefined || p.servingComputePercent === undefined ? '–' : `${percent(p.aloneComputePercent)} / ${percent(p.servingComputePercent)}`,
    ])),
  ];
}

function goalsTable(checks: GoalCheck[]): string {
  return table(['figure', 'goal', 'this run', 'what this machine allows', ''], checks.map((g) => [g.figure, g.goal, g.value, g.machineAllows?.value ?? '–', verdict(g)]));
}

/** Which graph the limit ran: the one wsinfer's instances open (bench/lib/limit-graph.ts), or the model file. */
function limitGraphNote(model: ModelFigures): string {
  if (model.limitSharedWeights === undefined) return '';
  return model.limitSharedWeights
    ? '; on the graph wsinfer\'s instances open, its prepacked weights mapped once for all sessions'
    : '; on the model file, as wsinfer\'s instances (no weights to share)';
}

function memorySection(memory: SuiteResult['memory']): string {
  if (!memory) return 'Not measured in this run.';
  const more = memory.moreInstances;
  const measure = goalMeasure(memory);
  const extraBytes = perExtraInstanceBytes(memory, more, measure);
  const label = measure.toUpperCase();
  const pairs = memory.pairs && memory.pairs.length > 1
    ? ` Per extra instance (${label}): ${memory.pairs.map((p) => mib(perExtraInstanceBytes(p, more, measure))).join(', ')} in ${memory.pairs.length} alternating pairs of processes; the goal uses the median pair.`
    : '';
  const rssExtraBytes = perExtraInstanceBytes(memory, more, 'rss');
  const resident = measure === 'pss'
    ? `PSS 1 s after 1 s of load at concurrency 8: ${mib(memory.pssOneInstanceBytes!)} with one instance, ${mib(memory.pssMoreInstancesBytes!)} with ${more} — ` +
      `${mib(extraBytes)} per extra instance, ${(extraBytes / memory.fileBytes).toFixed(2)}× the file. RSS, read at the same moments: ${mib(memory.rssOneInstanceBytes)} and ` +
      `${mib(memory.rssMoreInstancesBytes)}, ${mib(rssExtraBytes)} per extra instance (${(rssExtraBytes / memory.fileBytes).toFixed(2)}×). The instances map one file of weights ` +
      `each (runtime/shared-weights.ts); the kernel keeps one copy of its pages, which PSS counts once and RSS once per mapping, so the goal uses PSS.`
    : `RSS 1 s after 1 s of load at concurrency 8: ${mib(memory.rssOneInstanceBytes)} with one instance, ` +
      `${mib(memory.rssMoreInstancesBytes)} with ${more} — ${mib(extraBytes)} per extra instance, ${(extraBytes / memory.fileBytes).toFixed(2)}× the file.`;
  const served = `wsinfer serving only \`${memory.model}\` (${mib(memory.fileBytes)} file), ${resident}${pairs}`;
  if (memory.bareWorkerBytes === undefined || memory.sessionWorkerBytes === undefined) return served;
  const sessionBytes = memory.sessionWorkerBytes - memory.bareWorkerBytes;
  const wsinferBytes = extraBytes - memory.sessionWorkerBytes;
  // Two processes, two measurements: wsinfer's instance can come out below the plain worker.
  const wsinferShare = wsinferBytes >= 0
    ? `wsinfer's extra instance adds ${mib(wsinferBytes)} to that.`
    : measure === 'pss'
      ? `wsinfer's extra instance costs ${mib(-wsinferBytes)} less: it maps the weights its sibling instances map, where the plain worker's session holds a copy of its own.`
      : `wsinfer's extra instance measured ${mib(-wsinferBytes)} less than that (a different process, measured differently).`;
  return [
    served,
    '',
    `Where it goes, measured in a fresh Node process (RSS slope from 1 to 4 live worker threads, read 500 ms after the last started): ` +
      `a worker thread with nothing loaded costs ${mib(memory.bareWorkerBytes)}, and an onnxruntime session of \`${memory.model}\` in a plain worker thread ` +
      `${mib(sessionBytes)} more after batch-1 and maxBatchSize runs and a heap trim — ${(memory.sessionWorkerBytes / memory.fileBytes).toFixed(2)}× the file before any server code; ` +
      wsinferShare,
  ].join('\n');
}

/** A GPU run (bench/gpu.ts) and its path in the repository, for the GPU section. */
export interface GpuRunFile {
  run: GpuRun;
  file: string;
}

function gpuSection(gpu: GpuRunFile | undefined): string {
  if (gpu === undefined) return 'No GPU run yet: `npm run bench:gpu` on a machine with an NVIDIA GPU writes one to bench/gpu-runs/, and the next `npm run bench` shows it here.';
  return [
    'This suite runs on the CPU of the machine above. The GPU is measured by `npm run bench:gpu` on a machine that has one; ' +
      'what follows is the newest run in bench/gpu-runs/, as it was measured, not a figure of this run.',
    '',
    renderGpuSection(gpu.run, gpu.file),
  ].join('\n');
}

export function renderBenchmarksMd(result: SuiteResult, whatWeChanged: string, gpu?: GpuRunFile): string {
  const m = result.machine;
  const steps = result.models.flatMap((x) => [...x.ceiling, ...(x.ceilingOpen ? [x.ceilingOpen] : []), ...x.naive, ...x.wsinfer, ...(x.wsinferOpen ? [x.wsinferOpen] : [])]);
  const measuredMs = steps.reduce((sum, s) => sum + s.durationMs, 0);
  const generatorPercent = measuredMs > 0 ? steps.reduce((sum, s) => sum + s.clientCpuPercent * s.durationMs, 0) / measuredMs : 0;
  const busiest = steps.reduce((a, b) => (b.clientCpuPercent > a.clientCpuPercent ? b : a), steps[0]!);
  return [
    '# Benchmarks',
    '',
    '> Generated by `npm run bench` (bench/suite.ts); every figure below comes from that one run. Do not edit by hand — ',
    '> run the suite again. Figures from a shared or busy machine are noisy: compare ratios from the same run, not across runs.',
    '',
    '## Machine and software',
    '',
    table(['', ''], [
      ['CPU', `${m.cpuModel}, ${m.cores} cores as the OS sees them`],
      ['memory', `${m.memoryGiB} GiB`],
      ['OS', m.os],
      ['Node.js', m.node],
      ['onnxruntime-node', `${m.onnxruntimeNode} (CPU execution provider)`],
      ['git', `${m.gitSha}${m.gitDirty ? ' with uncommitted changes' : ''}`],
      ['run', `${result.startedAt}, ${(result.durationMs / 1000).toFixed(0)} s`],
      ['wsinfer', `\`${result.serverCommand}\`${result.serverCommand.includes('tsx') ? ' (from the TypeScript sources via tsx)' : ' (compiled dist/, built by the suite)'}, shipped config from models/*/config.json`],
      ['naive peer', '`bench/baselines/naive-server.ts` compiled to plain JavaScript, `node naive-server.mjs MODEL.onnx 0`, one process per model'],
      ['echo ceiling', '`bench/baselines/echo-server.ts`, compiled and started the same way: decodes each request and answers with outputs computed once at start, no inference'],
      ['load', `\`wsinfer bench\`'s engine in the suite's process, WebSocket + MessagePack, 1 row per request, ${result.measurementIntervalMs} ms windows, a step ends when 3 windows agree within 10 % (throughput and p95) or after 5`],
    ]),
    '',
    '## Goals',
    '',
    goalsTable(evaluateGoals(result)),
    '',
    '"Batch compute" in the p99 goal is the mean onnxruntime time of the batches that served the open-loop step, as the server reported it. ' +
      'The p50 goal subtracts the limit\'s batch-1 run time for a session with as many intra-op threads as wsinfer\'s instances, ' +
      'both taken alternately (see "Paired runs"); the figure from the tables (a run time measured minutes before the p50) is beside it.',
    '',
    '"What this machine allows" is the same goal\'s figure for what any server could do here, from the same run: the echo ceiling (a server that ' +
      'decodes and answers but runs no model, so only the transport and the load generator remain; its c=64 figure is divided by the naive peer\'s from the tables); ' +
      'for p50, the echo server running the model in place before each reply (its p50 less the limit\'s batch-1 run, from the same pairs: what a lone request costs beyond the back-to-back run in the simplest server that runs the model); ' +
      'for p99, also the model alone fed the same arrivals in-process (its own queueing on these cores, no transport), the larger of the two counting; ' +
      'for saturation, the limit measured while the echo server answers the same closed loop, paced to wsinfer\'s rate in bursts of wsinfer\'s mean batch (the compute any server has left once it serves the requests); ' +
      'and, for memory, a plain worker thread holding one session. A goal is met only by wsinfer\'s own figure; it is called unreachable here only when ' +
      'that ceiling misses it too.',
    '',
    '## What the machine adds to every request',
    '',
    noiseSection(result),
    '',
    '## The load generator shares the machine',
    '',
    `Client and servers run on the same ${m.cores} cores. The generator's own CPU (process.cpuUsage of the suite process, percent of one core) is in each table's ` +
      `"generator CPU" column. Over all measured windows it used ${generatorPercent.toFixed(0)} % of one core on average ` +
      `(${(measuredMs / 1000).toFixed(0)} s measured), and at most ${busiest ? busiest.clientCpuPercent.toFixed(0) : 0} % in one step. ` +
      'Every core-second it spends is one the server under test did not get, so server throughput near saturation is understated by about that share.',
    '',
    '## Per model',
    '',
    'infer/s counts rows (one row per request here). batch, queue µs and compute µs are the server\'s own figures from each reply\'s `timing` block, averaged over requests ' +
      '(the naive peer and the echo ceiling send none). Latency is measured by the client: from the send (closed loop) or from the scheduled send time (open loop). ' +
      'The echo ceiling runs no model: its rows are the fastest this generator can be answered here. ' +
      'Server CPU (all threads) and main thread are the server process\'s CPU time from /proc, percent of one core, where the run could read them.',
    '',
    ...result.models.map(modelSection),
    '## Paired runs',
    '',
    pairedSection(result),
    '',
    '## Memory per extra instance',
    '',
    memorySection(result.memory),
    '',
    '## GPU',
    '',
    gpuSection(gpu),
    '',
    '## What we changed',
    '',
    whatWeChanged.trim(),
    '',
  ].join('\n');
}
