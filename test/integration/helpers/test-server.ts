/**
 * A real server on an ephemeral loopback port over a temporary model repository, with
 * real worker threads and onnxruntime. One per test file: loading models takes seconds.
 */
import { MemoryLogger } from '../../../src/logger.js';
import type { ServerOptions } from '../../../src/server/server-options.js';
import { WsinferServer } from '../../../src/server/wsinfer-server.js';
import { TempModelRepo } from './model-repo.js';

export interface TestServer {
  server: WsinferServer;
  repo: TempModelRepo;
  logger: MemoryLogger;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  populate: (repo: TempModelRepo) => Promise<unknown>,
  options: Partial<ServerOptions> = {},
): Promise<TestServer> {
  const repo = await TempModelRepo.create();
  await populate(repo);
  const logger = new MemoryLogger();
  const server = new WsinferServer({ host: '127.0.0.1', port: 0, modelsDir: repo.dir, logger, defaultMetrics: false, heartbeatIntervalMs: 0, ...options });
  const { port } = await server.start();
  return {
    server,
    repo,
    logger,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async stop() {
      await server.close();
      await repo.remove();
    },
  };
}

/** Read one counter/gauge sample from the Prometheus text. */
export async function metricValue(httpUrl: string, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Resolve once a model version has a batch running on an instance (polls the server in-process). */
export async function untilBusy(server: WsinferServer, model: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (server.registry.resolve(model).batchesInFlight === 0) {
    if (Date.now() > deadline) throw new Error(`model ${model} never got busy`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
