/**
 * `wsinfer validate`: re-check every version in a repository and print one line per
 * version. Exit 0 only when everything passes — a CI gate before deploy — 1 on any
 * failure, 2 for usage errors.
 */
import { parseArgs } from 'node:util';
import { toErrorPayload } from '../errors.js';
import { type RepositoryReport, type ValidateOptions, validateRepository } from '../lifecycle/validate-repository.js';
import type { VersionReport } from '../lifecycle/validate-version.js';
import { DEFAULT_TOLERANCE, parseTolerance } from '../lifecycle/tolerance.js';
import { DEFAULT_SERVER_OPTIONS } from '../server/server-options.js';
import { type CommandIo, parseOrExit, processIo } from './command-args.js';

export const VALIDATE_USAGE = `Usage: wsinfer validate [DIR] [options]

Re-check every model version in a repository: model.onnx has the sha256 and size its
manifest.json records, it loads, its inputs and outputs are the manifest's, the
manifest's sample input reproduces the recorded outputs within tolerance, and the
model's config.json fits it. Versions without a manifest are loaded and checked against
config.json only. Exit 0 only when every version passes, so it can gate a deploy.

Options:
  -m, --models <dir>     model repository (default ${DEFAULT_SERVER_OPTIONS.modelsDir}/; DIR says the same)
      --model <name>     check only this model
      --strict           fail versions without a manifest.json
      --tolerance <t>    override each manifest's tolerance, e.g.
                         rtol=${DEFAULT_TOLERANCE.rtol},atol=${DEFAULT_TOLERANCE.atol}
      --json             print the report as JSON
  -h, --help             show this help
`;

export interface ValidateCliOptions extends ValidateOptions {
  json: boolean;
}

export function parseValidateArgs(argv: string[]): ValidateCliOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      models: { type: 'string', short: 'm' },
      model: { type: 'string' },
      strict: { type: 'boolean' },
      tolerance: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length > 1) throw new Error(`one repository at a time, got ${positionals.length}`);
  const positional = positionals[0];
  if (positional !== undefined && values.models !== undefined && positional !== values.models) {
    throw new Error(`DIR (${positional}) and --models (${values.models}) name different repositories`);
  }
  return {
    modelsDir: positional ?? values.models ?? DEFAULT_SERVER_OPTIONS.modelsDir,
    strict: values.strict ?? false,
    json: values.json ?? false,
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(values.tolerance === undefined ? {} : { tolerance: parseTolerance(values.tolerance) }),
  };
}

function versionLine(v: VersionReport, width: number): string {
  const label = `${v.model}/${v.version}`.padEnd(width);
  if (v.status === 'fail') return `FAIL  ${label}  ${v.problems.join('; ')}`;
  if (v.status === 'no-manifest') return `ok    ${label}  no manifest: loads and fits config.json, outputs not checked (--strict fails it)`;
  const diff = v.maxAbsDiff === undefined ? '' : ` (max |diff| ${Number(v.maxAbsDiff.toPrecision(2))})`;
  return `ok    ${label}  sha256, load, signature, sample${diff}, config`;
}

export function formatReport(report: RepositoryReport): string {
  const width = Math.max(0, ...report.versions.map((v) => `${v.model}/${v.version}`.length));
  const lines = report.versions.map((v) => versionLine(v, width));
  for (const problem of report.problems) lines.push(`FAIL  ${problem}`);
  const { ok, failed, noManifest } = report.counts;
  const counts = `${ok} ok, ${failed} failed, ${noManifest} without manifest`;
  lines.push(`${report.ok ? 'passed' : 'FAILED'}: ${report.versions.length} version(s) in ${report.modelsDir} (${counts})`);
  return `${lines.join('\n')}\n`;
}

export async function validateCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseOrExit('validate', VALIDATE_USAGE, () => parseValidateArgs(argv), io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { options } = parsed;
  let report;
  try {
    report = await validateRepository(options);
  } catch (error) {
    io.stderr.write(`wsinfer validate: ${toErrorPayload(error).message}\n`);
    return 1;
  }
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.ok ? 0 : 1;
}
