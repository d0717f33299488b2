/**
 * Server options: one commented defaults object, validated once, frozen. Anything invalid
 * is ERR_CONFIG_INVALID naming the option.
 */
import { WsinferError } from '../errors.js';
import { type Logger, consoleLogger } from '../logger.js';
import { GPU_SERVER_DEFAULTS, type GpuServerOptions, checkGpuOptions } from './gpu-options.js';
import type { ModelControlMode } from './admin-routes.js';

export interface ServerOptions extends GpuServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  modelsDir: string;
  /** Largest WebSocket message or HTTP body accepted; larger → ERR_PROTO_TOO_LARGE. */
  maxPayloadBytes: number;
  /** Requests one WebSocket may have unanswered; more → ERR_TOO_MANY_IN_FLIGHT. */
  maxInFlightPerConnection: number;
  /** Replies one WebSocket may have queued unsent before it is closed with 1013. */
  maxBufferedBytesPerConnection: number;
  /** Ping interval that finds dead peers; 0 disables. */
  heartbeatIntervalMs: number;
  /** Longest a model version may take to load and warm up. */
  loadTimeoutMs: number;
  /** On shutdown, how long admitted requests get to finish before sockets close anyway. */
  shutdownTimeoutMs: number;
  logger: Logger;
  /** Serve GET /metrics with prom-client's default process metrics too. */
  defaultMetrics: boolean;
  /** Test hook: instance workers exit when handed a batch of this many rows. */
  exitWorkerOnBatchRows?: number;
  /** none: load everything at start; poll: also follow repository changes; explicit: admin API only. */
  modelControl: ModelControlMode;
  /** In poll mode, how often the repository is compared with what is loaded. */
  repositoryPollMs: number;
  /** In explicit mode, models loaded at start. */
  startupModels: string[];
  /** Bearer token for admin endpoints; without one they answer only on loopback. */
  adminToken?: string;
  /** How often canary guards and staged plans are checked. */
  rolloutTickMs: number;
  /**
   * After a batch, how long an instance thread polls for the next one instead of sleeping
   * (and the socket thread polls for answers while batches run, and as long after the
   * last answer for the next request) — only on cores the machine leaves idle.
   * 0: always sleep.
   */
  spinWaitUs: number;
}

export const DEFAULT_SERVER_OPTIONS: Readonly<ServerOptions> = Object.freeze({
  host: '0.0.0.0',
  port: 8080,
  modelsDir: 'models',
  // 64 MiB: a batch of 32 224×224 RGB FP32 images is ~19 MiB.
  maxPayloadBytes: 64 * 1024 * 1024,
  maxInFlightPerConnection: 1024,
  maxBufferedBytesPerConnection: 64 * 1024 * 1024,
  heartbeatIntervalMs: 30_000,
  loadTimeoutMs: 120_000,
  shutdownTimeoutMs: 30_000,
  logger: consoleLogger,
  defaultMetrics: true,
  ...GPU_SERVER_DEFAULTS,
  modelControl: 'none',
  repositoryPollMs: 5_000,
  startupModels: [],
  rolloutTickMs: 1_000,
  // Waking a sleeping thread costs 60–100 µs each way on a VM; a lone request crosses twice.
  spinWaitUs: 1_000,
});

function check(ok: boolean, option: string, why: string): void {
  if (!ok) throw new WsinferError('ERR_CONFIG_INVALID', `option ${option} ${why}`);
}

export function resolveServerOptions(overrides: Partial<ServerOptions> = {}): Readonly<ServerOptions> {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const options: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...defined };
  check(typeof options.host === 'string' && options.host.length > 0, 'host', 'must be a host name or address');
  check(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535, 'port', 'must be an integer in 0..65535');
  check(typeof options.modelsDir === 'string' && options.modelsDir.length > 0, 'modelsDir', 'must be a directory path');
  for (const name of ['maxPayloadBytes', 'maxInFlightPerConnection', 'maxBufferedBytesPerConnection', 'loadTimeoutMs', 'shutdownTimeoutMs'] as const) {
    check(Number.isSafeInteger(options[name]) && options[name] > 0, name, 'must be a positive integer');
  }
  check(['none', 'poll', 'explicit'].includes(options.modelControl), 'modelControl', 'must be none, poll or explicit');
  check(Number.isSafeInteger(options.repositoryPollMs) && options.repositoryPollMs >= 100, 'repositoryPollMs', 'must be an integer ≥ 100');
  check(Number.isSafeInteger(options.rolloutTickMs) && options.rolloutTickMs >= 10, 'rolloutTickMs', 'must be an integer ≥ 10');
  check(options.adminToken === undefined || (typeof options.adminToken === 'string' && options.adminToken.length >= 8), 'adminToken', 'must be at least 8 characters');
  check(Array.isArray(options.startupModels), 'startupModels', 'must be a list of model names');
  check(Number.isSafeInteger(options.heartbeatIntervalMs) && options.heartbeatIntervalMs >= 0, 'heartbeatIntervalMs', 'must be an integer ≥ 0');
  check(Number.isSafeInteger(options.spinWaitUs) && options.spinWaitUs >= 0 && options.spinWaitUs <= 1_000_000, 'spinWaitUs', 'must be an integer in 0..1000000');
  checkGpuOptions(options);
  return Object.freeze(options);
}
