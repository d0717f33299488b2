/**
 * `wsinfer serve`: load a model repository and serve it until SIGTERM/SIGINT, then shut
 * down gracefully (answer everything admitted, close sockets with 1001, exit 0).
 */
import { parseArgs } from 'node:util';
import { toErrorPayload } from '../errors.js';
import { consoleLogger } from '../logger.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from '../server/server-options.js';
import { WsinferServer } from '../server/wsinfer-server.js';
import { parseOrExit } from './command-args.js';
import { GPU_SERVE_FLAGS, GPU_SERVE_USAGE, gpuServeOptions } from './gpu-serve-flags.js';

const d = DEFAULT_SERVER_OPTIONS;

export const SERVE_USAGE = `Usage: wsinfer serve [options]

Serve every model under the repository over WebSocket (/ws) and the Open Inference
Protocol over HTTP, on one port.

Options:
  -p, --port <n>                 port to listen on (default ${d.port}, or $PORT)
      --host <addr>              address to bind (default ${d.host})
  -m, --models <dir>             model repository (default ${d.modelsDir}/)
      --max-payload-bytes <n>    largest message or HTTP body (default ${d.maxPayloadBytes})
      --max-in-flight <n>        unanswered requests per WebSocket (default ${d.maxInFlightPerConnection})
      --max-buffered-bytes <n>   unsent reply bytes per WebSocket before it is closed
                                 with 1013 (default ${d.maxBufferedBytesPerConnection})
      --heartbeat-interval-ms <n>  WebSocket ping interval, 0 = off (default ${d.heartbeatIntervalMs})
      --spin-wait-us <n>         after a batch, an instance polls this long for the next
                                 one instead of sleeping, and the socket thread this long
                                 for the next request; only on cores left idle;
                                 0 = always sleep (default ${d.spinWaitUs})
      --load-timeout-ms <n>      longest a model may take to load (default ${d.loadTimeoutMs})
      --shutdown-timeout-ms <n>  on SIGTERM, longest wait for admitted requests (default ${d.shutdownTimeoutMs})
      --model-control <mode>     none: load the repository at start (default)
                                 poll: also load new versions and unload removed ones
                                 explicit: load only through the admin API (and --load-model)
      --repository-poll-ms <n>   poll mode's interval (default ${d.repositoryPollMs})
      --load-model <name>        explicit mode: load this model at start (repeatable)
      --admin-token <token>      bearer token for admin endpoints (or $WSINFER_ADMIN_TOKEN);
                                 without one, admin endpoints answer only on loopback
${GPU_SERVE_USAGE}
  -h, --help                     show this help

Model configuration lives in <models>/<name>/config.json; see README, "Configuration".
CPU instances of a model share one copy of its weights, written under $TMPDIR while the
model is loaded ("shareWeights": false in config.json turns it off; README, "Shared weights").
`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got '${value}'`);
  return n;
}

export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): Partial<ServerOptions> | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      models: { type: 'string', short: 'm' },
      'max-payload-bytes': { type: 'string' },
      'max-in-flight': { type: 'string' },
      'max-buffered-bytes': { type: 'string' },
      'heartbeat-interval-ms': { type: 'string' },
      'load-timeout-ms': { type: 'string' },
      'spin-wait-us': { type: 'string' },
      'shutdown-timeout-ms': { type: 'string' },
      'model-control': { type: 'string' },
      'repository-poll-ms': { type: 'string' },
      'load-model': { type: 'string', multiple: true },
      'admin-token': { type: 'string' },
      ...GPU_SERVE_FLAGS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  return {
    port: integer('port', values.port ?? env.PORT),
    host: values.host,
    modelsDir: values.models,
    maxPayloadBytes: integer('max-payload-bytes', values['max-payload-bytes']),
    maxInFlightPerConnection: integer('max-in-flight', values['max-in-flight']),
    maxBufferedBytesPerConnection: integer('max-buffered-bytes', values['max-buffered-bytes']),
    heartbeatIntervalMs: integer('heartbeat-interval-ms', values['heartbeat-interval-ms']),
    loadTimeoutMs: integer('load-timeout-ms', values['load-timeout-ms']),
    spinWaitUs: integer('spin-wait-us', values['spin-wait-us']),
    shutdownTimeoutMs: integer('shutdown-timeout-ms', values['shutdown-timeout-ms']),
    ...gpuServeOptions(values),
    modelControl: values['model-control'] as ServerOptions['modelControl'] | undefined,
    repositoryPollMs: integer('repository-poll-ms', values['repository-poll-ms']),
    startupModels: values['load-model'],
    adminToken: values['admin-token'] ?? env.WSINFER_ADMIN_TOKEN,
  };
}

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseOrExit('serve', SERVE_USAGE, () => parseServeArgs(argv));
  if ('exitCode' in parsed) return parsed.exitCode;
  const overrides = parsed.options;
  const logger = consoleLogger;
  // Listen for signals before anything is logged: a supervisor may signal as soon as it
  // sees the "serving" line. A signal during start-up stops the server once it is up.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let server: WsinferServer;
  try {
    server = new WsinferServer({ ...overrides, logger });
    const address = await server.start();
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const ready = server.registry.entries().filter((e) => e.state === 'ready').length;
    logger.info(`serving ${ready} model version(s) from ${server.options.modelsDir} at http://${host}:${address.port} (WebSocket ws://${host}:${address.port}/ws, metrics /metrics)`);
  } catch (error) {
    logger.error(`could not start: ${toErrorPayload(error).message}`);
    return 1;
  }
  const signal = await signalled;
  logger.info(`${signal}: no new requests; answering ${server.service.pending} admitted, then exiting`);
  try {
    await server.close();
  } catch (error) {
    logger.error(`shutdown failed: ${toErrorPayload(error).message}`);
    return 1;
  }
  logger.info('stopped');
  return 0;
}
