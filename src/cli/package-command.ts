/**
 * `wsinfer package`: add an ONNX file to the repository as a new version with its
 * manifest. Exit 0 when written, 1 when it could not be (nothing is left behind), 2 for
 * usage errors.
 */
import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { toErrorPayload } from '../errors.js';
import { type PackageOptions, type PackageResult, packageModel } from '../lifecycle/package-model.js';
import { describeSignature } from '../lifecycle/signature-diff.js';
import { DEFAULT_TOLERANCE, parseTolerance } from '../lifecycle/tolerance.js';
import { DEFAULT_SERVER_OPTIONS } from '../server/server-options.js';
import { type CommandIo, parseOrExit, processIo } from './command-args.js';


export const PACKAGE_USAGE = `Usage: wsinfer package <model.onnx> --name <name> [options]

Copy an ONNX model into the repository as a new version: <models>/<name>/<version>/
with model.onnx and manifest.json (sha256, size, opset, producer, inputs and outputs,
a sample input with the output it produced). Existing versions are never overwritten.

Options:
  -n, --name <name>        model name, the folder under the repository (required)
      --version <n>        version to create (default: highest existing + 1, or 1)
  -m, --models <dir>       model repository (default ${DEFAULT_SERVER_OPTIONS.modelsDir}/)
      --sample <file>      sample input, { "inputs": [OIP tensors] } (default: generated
                           from the model's inputs, dynamic dims 1, seeded values)
      --reference <file>   reference data for per-feature drift statistics:
                           { "<input>": [[row values...], ...] } or OIP tensors
      --tolerance <t>      how far later runs of the sample may differ
                           (default rtol=${DEFAULT_TOLERANCE.rtol},atol=${DEFAULT_TOLERANCE.atol})
  -h, --help               show this help

See docs/packaging.md for the manifest's fields.
`;

export function parsePackageArgs(argv: string[]): PackageOptions | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      name: { type: 'string', short: 'n' },
      version: { type: 'string' },
      models: { type: 'string', short: 'm' },
      sample: { type: 'string' },
      reference: { type: 'string' },
      tolerance: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error(positionals.length === 0 ? 'which ONNX file? give its path' : `one ONNX file at a time, got ${positionals.length}`);
  if (values.name === undefined) throw new Error('--name is required');
  return {
    modelPath: positionals[0]!,
    name: values.name,
    modelsDir: values.models ?? DEFAULT_SERVER_OPTIONS.modelsDir,
    ...(values.version === undefined ? {} : { version: values.version }),
    ...(values.sample === undefined ? {} : { samplePath: values.sample }),
    ...(values.reference === undefined ? {} : { referencePath: values.reference }),
    ...(values.tolerance === undefined ? {} : { tolerance: parseTolerance(values.tolerance) }),
  };
}

/** Paths under the working directory relative to it, others absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function summary(result: PackageResult): string {
  const m = result.manifest;
  const io = describeSignature(m.signature);
  const opset = Object.entries(m.opset).map(([domain, v]) => `${domain} ${v}`).join(', ');
  const producer = [m.producer.name, m.producer.version].filter(Boolean).join(' ') || '(none)';
  const sample = result.sampleSource === 'file' ? 'from the sample file' : 'generated (dynamic dims 1, seeded values)';
  const lines = [
    `packaged ${m.name} version ${m.version} in ${shown(result.versionDir)}`,
    `  model.onnx     ${m.sizeBytes} bytes, sha256 ${m.sha256}`,
    `  onnx           IR ${m.irVersion}, opset ${opset}, producer ${producer}${m.graphName ? `, graph ${m.graphName}` : ''}`,
    `  inputs         ${io.inputs}`,
    `  outputs        ${io.outputs}`,
    `  sample         ${sample}; ${m.sample.outputs.length} output(s) recorded, tolerance rtol=${m.sample.tolerance.rtol},atol=${m.sample.tolerance.atol}`,
  ];
  if (m.reference) {
    const parts = Object.entries(m.reference.inputs).map(([name, features]) => `${name}: ${features.length} feature(s) × ${features[0]?.count ?? 0} value(s)`);
    lines.push(`  reference      ${parts.join('; ')}`);
  }
  lines.push(`  manifest       ${shown(result.manifestPath)}`);
  return `${lines.join('\n')}\n`;
}

export async function packageCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseOrExit('package', PACKAGE_USAGE, () => parsePackageArgs(argv), io);
  if ('exitCode' in parsed) return parsed.exitCode;
  const { options } = parsed;
  try {
    io.stdout.write(summary(await packageModel(options)));
    return 0;
  } catch (error) {
    io.stderr.write(`wsinfer package: ${toErrorPayload(error).message}\n`);
    return 1;
  }
}
