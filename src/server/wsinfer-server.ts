/**
 * The server: one HTTP listener carrying the WebSocket endpoint (/ws) and the OIP routes,
 * over one model registry and one inference service. Shutdown stops accepting, answers
 * everything admitted, closes sockets with 1001, then stops the model instances.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { InferenceMetrics } from '../metrics/inference-metrics.js';
import { GpuAvailability } from '../registry/model-loader.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { RolloutMetrics } from '../metrics/rollout-metrics.js';
import { RolloutManager } from '../rollout/rollout-manager.js';
import { AdminGate } from './admin-auth.js';
import { adminRoutes } from './admin-routes.js';
import { HttpRouter } from './http-router.js';
import { InferenceService } from './inference-service.js';
import { ServerGpu } from './server-gpu.js';
import { type ServerOptions, resolveServerOptions } from './server-options.js';
import { WsConnection } from './ws-connection.js';
import { SpinGate } from '../workers/spin-gate.js';
import { registerSpinMetrics } from '../metrics/spin-metrics.js';

export class WsinferServer {
  readonly options: Readonly<ServerOptions>;
  readonly registry: ModelRegistry;
  readonly metrics: InferenceMetrics;
  readonly service: InferenceService;
  /** NVML sampling, GPU metrics and placement; see server-gpu.ts. */
  readonly gpu: ServerGpu;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<WsConnection>();
  /** Whether instance threads may poll for batches: only on cores left idle. */
  private readonly spinGate = new SpinGate();
  private heartbeat: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  readonly rollouts: RolloutManager;
  private accepting = false;
  private closing: Promise<void> | undefined;

  constructor(overrides: Partial<ServerOptions> = {}) {
    this.options = resolveServerOptions(overrides);
    const { logger } = this.options;
    this.metrics = new InferenceMetrics({ defaultMetrics: this.options.defaultMetrics });
    this.gpu = new ServerGpu(this.options, this.metrics.registry);
    registerSpinMetrics(this.metrics.registry, this.spinGate);
    this.registry = new ModelRegistry(this.options.modelsDir, {
      logger,
      gpu: new GpuAvailability(logger),
      loadTimeoutMs: this.options.loadTimeoutMs,
      exitOnBatchRows: this.options.exitWorkerOnBatchRows,
      observerFor: (name, version) => this.metrics.observerFor(name, version),
      placement: this.gpu.placement,
      spin: this.options.spinWaitUs > 0 ? { gate: this.spinGate.buffer, windowMs: this.options.spinWaitUs / 1000 } : undefined,
    });
    const rolloutMetrics = new RolloutMetrics(this.metrics.registry);
    this.rollouts = new RolloutManager({
      repositoryDir: this.options.modelsDir,
      registry: this.registry,
      metrics: rolloutMetrics,
      logger,
      tickIntervalMs: this.options.rolloutTickMs,
    });
    this.service = new InferenceService(this.registry, this.metrics, this.rollouts, rolloutMetrics);
    const admin = adminRoutes({
      registry: this.registry,
      rollouts: this.rollouts,
      gate: new AdminGate(this.options.adminToken, this.options.host),
      modelControl: this.options.modelControl,
      maxPayloadBytes: this.options.maxPayloadBytes,
    });
    const router = new HttpRouter(this.service, this.options, () => this.accepting, admin);
    this.http = createServer((req, res) => void router.handle(req, res));
    // ws enforces twice our limit itself (closing with 1009) so an oversize frame is never
    // buffered whole; between 1× and 2× the client gets ERR_PROTO_TOO_LARGE first.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxPayloadBytes * 2 });
    this.http.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== '/ws' || !this.accepting) {
        socket.end(`HTTP/1.1 ${this.accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = new WsConnection(ws, this.service, this.options);
        this.connections.add(connection);
        this.metrics.connectionOpened();
        ws.on('close', () => {
          this.connections.delete(connection);
          this.metrics.connectionClosed();
        });
      });
    });
  }

  /** Load the models, then listen. Resolves with the bound address. */
  async start(): Promise<AddressInfo> {
    // Placement reads the GPUs, so the first snapshot comes before any model loads.
    await this.gpu.start();
    if (this.options.spinWaitUs > 0) this.spinGate.start();
    await this.loadModels();
    await this.rollouts.loadPolicies();
    this.rollouts.start();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.accepting = true;
    if (this.options.heartbeatIntervalMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const connection of this.connections) connection.heartbeat();
      }, this.options.heartbeatIntervalMs);
      this.heartbeat.unref();
    }
    return this.http.address() as AddressInfo;
  }

  /** What loads at start depends on the model control mode (Triton's none | poll | explicit). */
  private async loadModels(): Promise<void> {
    const { modelControl, startupModels, repositoryPollMs, logger } = this.options;
    if (modelControl === 'explicit') {
      for (const name of startupModels) {
        await this.registry.loadModel(name).catch((error: unknown) => logger.error(`--load-model ${name}: ${(error as Error).message}`));
      }
      return;
    }
    await this.registry.loadAll();
    if (modelControl === 'poll') {
      let polling = false;
      this.poller = setInterval(() => {
        if (polling) return;
        polling = true;
        this.registry.poll()
          .then(() => this.rollouts.loadPolicies())
          .catch((error: unknown) => logger.error(`repository poll failed: ${(error as Error).message}`))
          .finally(() => { polling = false; });
      }, repositoryPollMs);
      this.poller.unref();
    }
  }

  get address(): AddressInfo | undefined {
    return (this.http.address() as AddressInfo | null) ?? undefined;
  }

  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    clearInterval(this.heartbeat);
    clearInterval(this.poller);
    this.rollouts.stop();
    const listenerClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const drained = Promise.all([
      this.service.stopAccepting(),
      ...[...this.connections].map((connection) => connection.shutdown()),
    ]);
    const timedOut = new Promise<void>((resolve) => setTimeout(resolve, this.options.shutdownTimeoutMs).unref());
    await Promise.race([drained, timedOut]);
    for (const connection of this.connections) connection.close(1001, 'ERR_SHUTTING_DOWN');
    this.wss.close();
    this.http.closeAllConnections();
    await listenerClosed;
    await this.registry.unloadAll();
    this.spinGate.stop();
    this.gpu.stop();
  }
}
