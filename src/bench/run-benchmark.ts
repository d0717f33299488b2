/**
 * One `wsinfer bench` run, as a function the CLI and the benchmark suite share: read the
 * model's metadata, build the inputs, open the transport, run the steps, verify.
 */
import { readFile } from 'node:fs/promises';
import { type BenchOptions, DEFAULT_BENCH_OPTIONS } from './bench-options.js';
import type { BenchReport, BenchTransport } from './bench-types.js';
import { HttpTransport } from './http-transport.js';
import { thresholdOutcome } from './latency-threshold.js';
import { GpuTelemetry } from './gpu-telemetry.js';
import { fetchModelMetadata, httpOrigin, inputSetsFromJson, modelBatches, randomInputSets, resolveInputShapes } from './model-inputs.js';
import { ProgressLine } from './progress-line.js';
import { ResponseVerifier, modelPathResolver } from './response-verifier.js';
import { runSteps } from './step-runner.js';
import { WsTransport } from './ws-transport.js';

/** Connections when none are asked for: several, but not more than requests in flight. */
const DEFAULT_MAX_CONNECTIONS = 4;

export type RunBenchmarkOptions = Omit<BenchOptions, 'jsonFile' | 'csvFile' | 'plotFile'>;

/** `signal`: aborting it ends the step running now, reports it, and runs no more (Ctrl-C). */
export async function runBenchmark(options: RunBenchmarkOptions, signal?: AbortSignal): Promise<BenchReport> {
  const meta = await fetchModelMetadata(options.url, options.model, options.version);
  const batches = modelBatches(meta);
  const specs = resolveInputShapes(meta, options.batch, options.shapes);
  const inputSets = options.inputDataFile
    ? inputSetsFromJson(JSON.parse(await readFile(options.inputDataFile, 'utf8')), specs, batches)
    : randomInputSets(specs, options.inputSets, batches, options.seed);
  const maxLevel = Math.max(...options.levels);
  const connections = options.connections > 0
    ? options.connections
    : options.mode === 'concurrency' ? Math.min(DEFAULT_MAX_CONNECTIONS, maxLevel) : DEFAULT_MAX_CONNECTIONS;
  const transport: BenchTransport = options.protocol === 'http'
    ? new HttpTransport({ url: options.url, model: options.model, version: options.version, connections, inputSets })
    : await WsTransport.open({ url: options.url, model: options.model, version: options.version, connections, framing: options.framing, inputSets });
  const verifier = options.verify ? new ResponseVerifier(options.verifySamples) : undefined;
  // Fail before the load, not after it, when the model file cannot be found.
  const modelPathFor = options.verify ? modelPathResolver(options.modelPath, options.modelsDir, options.model) : undefined;
  if (modelPathFor) modelPathFor(options.version);
  const progress = options.quiet ? undefined : new ProgressLine(process.stderr, options.maxTrials);
  const metricsIntervalMs = options.metricsIntervalMs ?? DEFAULT_BENCH_OPTIONS.metricsIntervalMs;
  const gpuTelemetry = options.collectMetrics
    ? new GpuTelemetry(options.metricsUrl ?? `${httpOrigin(options.url)}/metrics`, metricsIntervalMs)
    : undefined;
  gpuTelemetry?.start();
  const startedAt = new Date().toISOString();
  let steps;
  try {
    steps = await runSteps({
      transport,
      inputSets,
      mode: options.mode,
      levels: options.levels,
      distribution: options.distribution,
      seed: options.seed,
      measurementIntervalMs: options.measurementIntervalMs,
      measurementRequestCount: options.measurementRequestCount,
      warmupMs: options.warmupMs,
      maxTrials: options.maxTrials,
      stabilityTolerance: options.stabilityTolerance,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInFlight: options.maxInFlight,
      drainTimeoutMs: Math.min(options.requestTimeoutMs, 10_000),
      onWindow: progress?.onWindow,
      tap: verifier?.tap,
      wantOutputs: verifier?.wantOutputs,
      latencyThreshold: options.latencyThreshold,
      binarySearch: options.binarySearch,
      serverPid: options.serverPid,
      gpuTelemetry,
      signal,
    });
  } finally {
    gpuTelemetry?.stop();
    progress?.finish();
    await transport.close();
  }
  const report: BenchReport = {
    url: options.url,
    protocol: options.protocol,
    model: options.model,
    ...(options.version ? { version: options.version } : {}),
    batch: options.batch,
    inputs: specs,
    startedAt,
    measurementIntervalMs: options.measurementIntervalMs,
    ...(gpuTelemetry && { metrics: { url: gpuTelemetry.url, intervalMs: metricsIntervalMs, ...(gpuTelemetry.failure && { failure: gpuTelemetry.failure }) } }),
    ...(options.measurementRequestCount !== undefined && { measurementRequestCount: options.measurementRequestCount }),
    steps,
  };
  if (options.latencyThreshold) report.latencyThreshold = thresholdOutcome(steps, options.latencyThreshold, options.binarySearch ? 'binary' : 'linear');
  if (verifier && modelPathFor) report.verify = await verifier.verify(modelPathFor, inputSets);
  return report;
}
