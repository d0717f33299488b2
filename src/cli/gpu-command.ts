/**
 * `wsinfer gpu`: what NVML sees on this host, once (table or --json), continuously
 * (--watch), or as a stand-alone Prometheus endpoint with the DCGM exporter's metric names
 * (--exporter), so a node without dcgm-exporter still feeds the usual GPU dashboards.
 */
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { GpuMonitor } from '../gpu/gpu-monitor.js';
import { GpuSampler } from '../gpu/gpu-sampler.js';
import type { GpuSnapshot } from '../gpu/gpu-snapshot.js';
import { formatGpuTable } from '../gpu/gpu-table.js';
import { registerGpuMetrics } from '../metrics/gpu-metrics.js';

export const GPU_COMMAND_USAGE = `Usage: wsinfer gpu [options]

Shows the GPUs NVML reports: memory, utilisation, temperature, power, MIG instances,
processes. Exit code 0 when NVML could be read, 1 when not, 2 on a usage error.

Options:
  --json                 print the snapshot as JSON (one object per line with --watch)
  --watch                refresh until interrupted
  --interval-ms <n>      refresh/sample interval (default 1000 for --watch, 5000 for --exporter)
  --exporter             serve only the GPU metrics at /metrics (DCGM exporter names)
  --port <n>             exporter port (default 9400, as dcgm-exporter)
  --host <addr>          exporter bind address (default 0.0.0.0)
  --library <path>       libnvidia-ml to load (default: env WSINFER_NVML_LIBRARY, else libnvidia-ml.so.1)
  -h, --help             show this help

Environment: WSINFER_NVML_LIBRARY, WSINFER_GPU_TIME_SLICE_REPLICAS (k8s nvidia.com/gpu.replicas).
`;

export interface GpuCommandIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Ends --watch and --exporter; SIGINT/SIGTERM do too. */
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
}

const DEFAULT_WATCH_INTERVAL_MS = 1000;
// Prometheus scrapes every 15-60 s; sampling much faster than that only costs NVML calls.
const DEFAULT_EXPORTER_INTERVAL_MS = 5000;
const DEFAULT_EXPORTER_PORT = 9400;

export async function gpuCommand(argv: string[], io: GpuCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let args;
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        watch: { type: 'boolean', default: false },
        'interval-ms': { type: 'string' },
        exporter: { type: 'boolean', default: false },
        port: { type: 'string' },
        host: { type: 'string' },
        library: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    stderr.write(`wsinfer gpu: ${error instanceof Error ? error.message : String(error)}\n\n${GPU_COMMAND_USAGE}`);
    return 2;
  }
  if (args.help) {
    stdout.write(GPU_COMMAND_USAGE);
    return 0;
  }
  const intervalMs = parsePositiveInt(args['interval-ms'], args.exporter ? DEFAULT_EXPORTER_INTERVAL_MS : DEFAULT_WATCH_INTERVAL_MS);
  const port = parsePositiveInt(args.port, DEFAULT_EXPORTER_PORT, true);
  if (intervalMs === null || port === null || port > 65535) {
    stderr.write(`wsinfer gpu: --interval-ms must be a positive integer and --port an integer 0-65535\n`);
    return 2;
  }

  let monitor: GpuMonitor;
  try {
    monitor = new GpuMonitor({ libraryPath: args.library, env: io.env });
  } catch (error) {
    stderr.write(`wsinfer gpu: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const render = (snapshot: GpuSnapshot): string => (args.json ? `${JSON.stringify(snapshot)}\n` : formatGpuTable(snapshot));

  if (!args.watch && !args.exporter) {
    const snapshot = monitor.snapshotSync();
    stdout.write(args.json ? `${JSON.stringify(snapshot, null, 2)}\n` : formatGpuTable(snapshot));
    monitor.close();
    return snapshot.available ? 0 : 1;
  }

  const sampler = new GpuSampler({ intervalMs, source: monitor });
  try {
    if (args.exporter) {
      const registry = new Registry();
      registerGpuMetrics(registry, sampler);
      await sampler.start();
      let server: Server;
      try {
        server = await listen(registry, port, args.host ?? '0.0.0.0');
      } catch (error) {
        stderr.write(`wsinfer gpu: cannot listen on port ${port}: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
      const address = server.address();
      const boundPort = typeof address === 'object' && address !== null ? address.port : port;
      stdout.write(`wsinfer gpu exporter listening on http://${displayHost(args.host ?? '0.0.0.0')}:${boundPort}/metrics\n`);
      await untilStopped(io.signal);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    } else {
      // Clear the screen between tables; JSON lines stay appendable for piping.
      sampler.subscribe((snapshot) => stdout.write(args.json ? render(snapshot) : `\x1b[2J\x1b[H${render(snapshot)}`));
      await sampler.start();
      await untilStopped(io.signal);
    }
    return 0;
  } finally {
    sampler.stop();
    monitor.close();
  }
}

function parsePositiveInt(text: string | undefined, fallback: number, allowZero = false): number | null {
  if (text === undefined) return fallback;
  const value = Number(text);
  return Number.isInteger(value) && (value > 0 || (allowZero && value === 0)) ? value : null;
}

function displayHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GPU metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (signal?.aborted) return stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
