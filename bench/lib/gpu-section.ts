/** BENCHMARKS.md's GPU section, written from one `npm run bench:gpu` run (bench/gpu-runs/). */
import type { CudaModelRun, GpuRun, NvmlComparison } from './gpu-run.js';

const MIB = 2 ** 20;

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function ms(value: number): string {
  return value < 1 ? value.toFixed(2) : value.toFixed(1);
}

function comparisonTable(comparison: NvmlComparison): string {
  const agreeing = comparison.fields.filter((f) => f.agrees).length;
  return [
    `GPU ${comparison.gpuIndex}, ${comparison.when}: ${agreeing} of ${comparison.fields.length} fields agree.`,
    '',
    table(['field', 'wsinfer (addon)', 'nvidia-smi', 'agree'], comparison.fields.map((f) => [f.field, f.wsinfer, f.nvidiaSmi, f.agrees ? 'yes' : '**no**'])),
  ].join('\n');
}

function cudaRows(runs: readonly CudaModelRun[]): string[][] {
  return runs.map((r) => {
    if (r.direct.status !== 'measured') return [r.model, 'not run', '–', '–'];
    const best = r.direct.limit.reduce((a, b) => (b.rowsPerSec > a.rowsPerSec ? b : a));
    const batch1 = r.direct.limit.find((p) => p.batch === 1);
    return [
      r.model,
      r.direct.relativeErrorVsCpu.toExponential(1),
      batch1 ? `${(batch1.medianRunUs / 1000).toFixed(3)} ms` : '–',
      `${best.rowsPerSec.toFixed(0)} rows/s at batch ${best.batch} (${(best.medianRunUs / 1000).toFixed(3)} ms a run)`,
    ];
  });
}

function servedRows(runs: readonly CudaModelRun[]): string[][] {
  return runs.flatMap((r) =>
    r.served.steps.map((s) => [
      r.model,
      String(s.level),
      s.inferPerSec.toFixed(0),
      (s.latency.p50Us / 1000).toFixed(2),
      (s.latency.p99Us / 1000).toFixed(2),
      s.server ? s.server.batchSize.toFixed(1) : '–',
      String(s.errors),
      r.served.busiestGpuPercent === null ? '–' : `${r.served.busiestGpuPercent} %`,
      r.served.serverDeviceBytes === null ? '–' : `${(r.served.serverDeviceBytes / MIB).toFixed(0)} MiB`,
    ]),
  );
}

/** Why the CUDA EP was not measured, once per distinct reason. */
function unavailableText(runs: readonly CudaModelRun[]): string[] {
  const byReason = new Map<string, string[]>();
  for (const r of runs) {
    if (r.direct.status === 'unavailable') byReason.set(r.direct.reason, [...(byReason.get(r.direct.reason) ?? []), r.model]);
  }
  const lines = [...byReason].map(([reason, names]) => `- ${names.join(', ')}: onnxruntime could not create a CUDA session: \`${reason}\``);
  for (const r of runs) {
    if (r.served.state !== 'ready') lines.push(`- ${r.model} served from an instance group of kind \`gpu\`: state \`${r.served.state}\`${r.served.reason ? `, \`${r.served.reason}\`` : ''}`);
  }
  return lines;
}

export function renderGpuSection(run: GpuRun, file: string): string {
  const m = run.machine;
  const gpus = run.snapshot.devices.map((d) => `${d.name ?? 'unnamed'} (${d.memory ? `${(d.memory.totalBytes / MIB).toFixed(0)} MiB` : 'memory unknown'}${d.mig.current ? ', MIG on' : ''})`);
  const cost = run.nvmlCost;
  const measured = run.models.filter((r) => r.direct.status === 'measured');
  const served = run.models.filter((r) => r.served.steps.length > 0);
  const unavailable = unavailableText(run.models);
  return [
    `Measured by \`${run.command}\` at ${run.startedAt} (${(run.durationMs / 1000).toFixed(0)} s) on the machine below; the run is \`${file}\`.`,
    '',
    table(['', ''], [
      ['GPU', `${gpus.join('; ')}, driver ${run.snapshot.driverVersion ?? 'unknown'}`],
      ['CPU', `${m.cpuModel}, ${m.cores} cores`],
      ['memory', `${m.memoryGiB} GiB`],
      ['OS', m.os],
      ['Node.js', m.node],
      ['onnxruntime-node', m.onnxruntimeNode],
      ['git', `${m.gitSha}${m.gitDirty ? ' with uncommitted changes' : ''}`],
    ]),
    '',
    '### NVML through wsinfer\'s addon, beside nvidia-smi',
    '',
    run.nvidiaSmi === null
      ? 'nvidia-smi was not on PATH, so the fields were not compared.'
      : 'The same fields read through the addon and from `nvidia-smi --query-gpu`, a few milliseconds apart. Memory agrees within 1 MiB (nvidia-smi rounds), ' +
        'utilisation within 5 points and temperature within 2 °C (the driver samples them), power within 5 % or 5 W.',
    '',
    ...run.comparisons.flatMap((c) => [comparisonTable(c), '']),
    `Reading NVML: the first snapshot of a process took ${ms(cost.firstSnapshotMs)} ms (it opens the library and initialises NVML); after that ` +
      `${ms(cost.syncMedianMs)} ms median (max ${ms(cost.syncMaxMs)}) on the calling thread and ${ms(cost.asyncMedianMs)} ms (max ${ms(cost.asyncMaxMs)}) on the libuv pool. ` +
      `At the server's default of one snapshot a second that is ${((cost.asyncMedianMs / 1000) * 100).toFixed(2)} % of one pool thread. ` +
      `${cost.workerThreads} worker threads each loaded the addon, read the GPUs and exited; ${cost.workersAgree ? 'each saw the same GPUs, and the main thread read them as before after they had gone' : '**they did not all agree with the main thread**'}.`,
    '',
    '### The CUDA execution provider',
    '',
    ...(measured.length > 0
      ? [
          'Each model straight on onnxruntime, one session on the CUDA EP, no server: its outputs against the CPU EP over one batch of maxBatchSize rows (‖cuda − cpu‖ / ‖cpu‖), and batches back to back.',
          '',
          table(['model', 'relative error', 'batch-1 run', 'best'], cudaRows(measured)),
          '',
        ]
      : []),
    ...(served.length > 0
      ? [
          'Served by wsinfer from an instance group `{ "kind": "gpu", "count": 1 }`, closed loop, one row per request; NVML sampled every ' +
            '250 ms during the load (highest utilisation, device memory of the server process).',
          '',
          table(['model', 'concurrency', 'infer/s', 'p50 ms', 'p99 ms', 'batch', 'errors', 'GPU busy', 'server on GPU'], servedRows(served)),
          '',
        ]
      : []),
    ...(unavailable.length > 0
      ? [
          measured.length === 0 ? 'Not measured on this machine:' : 'Not measured:',
          '',
          ...unavailable,
          '',
          'onnxruntime-node\'s npm package does not contain its CUDA provider; `ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci` downloads it at install time ' +
            '(docs/gpu.md, "Enabling CUDA"), and it needs the CUDA 12 and cuDNN 9 libraries at run time.',
          '',
        ]
      : []),
  ].join('\n');
}
