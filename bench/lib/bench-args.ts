/**
 * The command line `npm run bench` and `npm run bench:gpu` share: which shipped models,
 * how long a window, which build of wsinfer, where the output goes — parsed and checked
 * the same way, with the usage text on any mistake and exit code 2.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, type WsinferBuild } from './wsinfer-process.js';

export const SHIPPED_MODELS = ['fraud', 'cnn', 'medium'];

const SHARED_OPTIONS = {
  only: { type: 'string' },
  'measurement-interval-ms': { type: 'string' },
  out: { type: 'string' },
  'from-source': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type StringOptions<Names extends string> = { [N in Names]: { type: 'string' } };

export interface BenchArgs<Names extends string> {
  /** The command's own string options, as given. */
  values: { [N in Names]?: string } & { out?: string };
  build: WsinferBuild;
  models: string[];
  intervalMs: number;
}

/** `command` prefixes errors ("bench", "bench:gpu"); `extra` are the command's own string options. */
export function parseBenchArgs<Names extends string>(command: string, usage: string, extra: StringOptions<Names>, argv = process.argv.slice(2)): BenchArgs<Names> {
  const fail = (message: string): never => {
    process.stderr.write(`${command}: ${message}\n\n${usage}`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined> = {};
  try {
    values = parseArgs({ args: argv, options: { ...SHARED_OPTIONS, ...extra } }).values as typeof values;
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const only = values.only as string | undefined;
  const models = only ? only.split(',') : SHIPPED_MODELS;
  const unknown = models.filter((m) => !existsSync(join(ROOT, 'models', m, 'config.json')));
  if (unknown.length > 0) fail(`--only names shipped models (${SHIPPED_MODELS.join(', ')}), not ${unknown.join(', ')}`);
  const intervalMs = Number(values['measurement-interval-ms'] ?? 1000);
  if (!(intervalMs >= 100)) fail(`--measurement-interval-ms is a number of milliseconds, at least 100`);
  return {
    values: values as BenchArgs<Names>['values'],
    build: values['from-source'] ? 'source' : 'dist',
    models,
    intervalMs,
  };
}
