/**
 * `wsinfer bench`: a perf_analyzer-style load generator for a running server (wsinfer, or
 * anything speaking its WebSocket protocol or OIP HTTP). Prints a table; writes JSON, CSV
 * and an SVG latency plot on request. Exit 0 when answers came back (and verified, with
 * --verify), 1 otherwise, 2 for bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { BenchUsageError, DEFAULT_BENCH_OPTIONS as d, parseBenchArgs } from '../bench/bench-options.js';
import { describeLoad, latencyPlotTitle } from '../bench/bench-summary.js';
import { renderLatencyPlot } from '../bench/latency-plot.js';
import { describeOutcome } from '../bench/latency-threshold.js';
import { BenchInputError } from '../bench/model-inputs.js';
import { toCsv } from '../bench/report-csv.js';
import { formatTable } from '../bench/report-table.js';
import { runBenchmark } from '../bench/run-benchmark.js';
import { parseOrExit } from './command-args.js';

export const BENCH_USAGE = `Usage: wsinfer bench --model NAME [options]

Load a running server and report throughput and latency per step.

Target:
  -u, --url <url>                  ws://… (WebSocket, default ${d.url}) or http://… (OIP HTTP)
  -i, --protocol <ws|http>         override what the URL implies
  -m, --model <name>               model to load (required)
  -x, --version <v>                model version (default: the server's latest)
      --connections <n>            WebSocket connections / HTTP sockets (default min(4, concurrency))
      --framing <msgpack|json>     WebSocket framing (default ${d.framing}: raw tensor bytes)

Inputs (shapes from GET /v2/models/{m}):
  -b, --batch <n>                  rows per request along dim 0 (default ${d.batch})
      --shape <name:d0,d1,…>       shape of an input with dynamic dims; without dim 0 it
                                   gets --batch prepended (repeatable)
      --input-data <file.json>     values instead of random ones: { "data": [ { "<input>": [...] } ] }
      --input-sets <n>             distinct random input sets to cycle through (default ${d.inputSets})
      --seed <n>                   random seed for inputs and Poisson gaps (default ${d.seed})

Load:
      --concurrency-range <s:e:st> closed loop: requests kept in flight, e.g. 1:64:8 or 1,8,64 (default 1)
      --request-rate-range <s:e:st> open loop: requests per second; latency counts from the
                                   scheduled send time, so falling behind is measured
      --request-distribution <constant|poisson>  open-loop gaps (default ${d.distribution})
  -p, --measurement-interval-ms <n> window length (default ${d.measurementIntervalMs}; with count
                                   windows the least a window lasts, default ${d.countWindowMinMs})
      --measurement-mode <time_windows|count_windows>  count_windows: a window also lasts
                                   until it holds --measurement-request-count answers, for
                                   slow models (default time_windows)
      --measurement-request-count <n>  answers per count window (default ${d.measurementRequestCount})
      --warmup-ms <n>              unmeasured load before the first step (default ${d.warmupMs})
  -r, --max-trials <n>             windows per step at most (default ${d.maxTrials})
  -s, --stability-percentage <n>   a step ends when its last 3 windows' throughput and p95
                                   agree within this % (default ${d.stabilityPercentage})
  -l, --latency-threshold <ms>     stop the sweep at the first step whose latency is over
                                   this, and report the highest load that stayed within it
      --binary-search              with --latency-threshold: bisect the range for the highest
                                   load within it (about log2(levels) steps) instead of climbing
      --percentile <50|90|95|99>   the latency --latency-threshold judges (default: the mean)
      --request-timeout-ms <n>     count a request unanswered after this as ERR_CLIENT_TIMEOUT (default ${d.requestTimeoutMs})
      --max-in-flight <n>          open loop: more unanswered requests than this are counted as
                                   ERR_CLIENT_BACKLOG instead of sent (default ${d.maxInFlight})

Reports:
      --json <file>                the whole report as JSON
  -f, --latency-report-file <file.csv>  perf_analyzer's CSV (microseconds)
      --plot <file.svg>            latency percentiles against throughput
  -q, --quiet                      no progress line on stderr
      --server-pid <pid>           server on this machine: add its CPU (process and main
                                   thread, % of one core) to each step (Linux /proc)
      --collect-metrics            scrape the server's GPU gauges (DCGM names) during each
                                   step: each GPU's mean utilisation and power, peak memory
      --metrics-url <url>          where (default: the server's /metrics)
      --metrics-interval-ms <n>    between scrapes (default ${d.metricsIntervalMs})
      --verify                     check a sample of answers against onnxruntime in-process
      --verify-samples <n>         answers to check (default ${d.verifySamples})
      --model-path <file.onnx>     the model file for --verify
      --models <dir>               or a model repository: <dir>/<model>/<version>/model.onnx
  -h, --help                       show this help

Columns: infer/s counts rows (requests × --batch), as perf_analyzer does; batch, queue µs
and compute µs are the server's own figures from each reply's timing block, averaged over
requests; client cpu is this process's CPU time as a share of one core, server cpu and
main thread the same for --server-pid's process and its main thread (--json adds its
busiest threads); gpu util and gpu mem MiB (--collect-metrics) each GPU's mean
utilisation and peak memory used, "/" between GPUs.

Ctrl-C ends the window running and reports the steps measured so far (exit code 130);
a second Ctrl-C quits at once. Exit codes: 0 answered, 1 unreachable or nothing answered
or every connection lost or --verify mismatched, 2 bad arguments or unknown model.
`;

/** What a shell reports for a process ended by SIGINT (128 + 2). */
const INTERRUPTED_EXIT_CODE = 130;

export async function benchCommand(argv: string[]): Promise<number> {
  const parsed = parseOrExit('bench', BENCH_USAGE, () => parseBenchArgs(argv));
  if ('exitCode' in parsed) return parsed.exitCode;
  const { options } = parsed;
  // Ctrl-C ends the window running, and the report covers what was measured, as
  // perf_analyzer does; a second Ctrl-C quits at once.
  const interrupt = new AbortController();
  const onInterrupt = (): void => {
    process.stderr.write('\nwsinfer bench: interrupted; reporting what was measured (Ctrl-C again to quit at once)\n');
    interrupt.abort();
    process.once('SIGINT', () => process.exit(INTERRUPTED_EXIT_CODE));
  };
  process.once('SIGINT', onInterrupt);
  let report;
  try {
    report = await runBenchmark(options, interrupt.signal);
  } catch (error) {
    const prefix = error instanceof BenchInputError || error instanceof BenchUsageError ? '' : 'could not run: ';
    process.stderr.write(`wsinfer bench: ${prefix}${(error as Error).message}\n`);
    return error instanceof BenchInputError ? 2 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  process.stdout.write(formatTable(report));
  if (report.latencyThreshold) process.stdout.write(describeOutcome(report.latencyThreshold, options.mode));
  if (report.metrics?.failure) process.stderr.write(`wsinfer bench: could not read GPU gauges from ${report.metrics.url} (${report.metrics.failure}); steps without them show '-'\n`);
  else if (report.metrics && report.steps.length > 0 && report.steps.every((step) => step.gpus?.length === 0)) {
    process.stderr.write(`wsinfer bench: ${report.metrics.url} publishes no GPU gauges (no GPU, or NVML unavailable to the server)\n`);
  }
  if (options.serverPid !== undefined && !report.steps.some((step) => step.serverCpu)) {
    process.stderr.write(`wsinfer bench: could not read /proc/${options.serverPid}/stat; no server CPU figures\n`);
  }
  if (options.jsonFile) await writeFile(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (options.csvFile) await writeFile(options.csvFile, toCsv(report.steps));
  if (options.plotFile) await writeFile(options.plotFile, renderLatencyPlot(report.steps, latencyPlotTitle(report)));
  const lost = report.steps.find((step) => step.connectionsLost);
  if (lost) {
    process.stderr.write(`wsinfer bench: the server closed every connection during ${describeLoad(lost.mode, lost.level)}; later steps were not run (requests lost in flight count as ERR_CONNECTION_CLOSED)\n`);
  }
  if (interrupt.signal.aborted) {
    const last = report.steps.at(-1);
    process.stderr.write(last
      ? `wsinfer bench: interrupted during ${describeLoad(last.mode, last.level)}; its last window was cut short and later steps were not run\n`
      : 'wsinfer bench: interrupted before the first window ended; nothing was measured\n');
    return INTERRUPTED_EXIT_CODE;
  }
  const answered = report.steps.some((step) => step.completed > 0);
  if (!answered) process.stderr.write('wsinfer bench: no request was answered successfully\n');
  if (report.verify && report.verify.mismatched > 0) process.stderr.write(`wsinfer bench: ${report.verify.mismatched} of ${report.verify.checked} answers differ from onnxruntime in-process\n`);
  return answered && !lost && (report.verify?.mismatched ?? 0) === 0 ? 0 : 1;
}
