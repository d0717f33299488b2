/**
 * `wsinfer <command>`: the entry point behind bin/wsinfer.mjs. Each command lives in its
 * own file and returns an exit code.
 */
import { SERVER_VERSION } from '../server/model-metadata.js';
import { serveCommand } from './serve-command.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: () => Promise<Command>; summary: string }> = {
  serve: { run: async () => serveCommand, summary: 'serve the models in a repository over WebSocket and HTTP' },
  gpu: { run: async () => (await import('./gpu-command.js')).gpuCommand, summary: 'show GPUs as NVML reports them; --exporter serves DCGM-style metrics' },
  bench: { run: async () => (await import('./bench-command.js')).benchCommand, summary: 'measure a running server: throughput and latency percentiles, like perf_analyzer' },
  package: { run: async () => (await import('./package-command.js')).packageCommand, summary: 'add an ONNX file to the repository as a new version with a manifest' },
  validate: { run: async () => (await import('./validate-command.js')).validateCommand, summary: 're-check every version in a repository (sha256, load, sample, config); CI gate' },
};

export const USAGE = `wsinfer ${SERVER_VERSION} — GPU-aware ONNX inference server

Usage: wsinfer <command> [options]

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`).join('\n')}

Run \`wsinfer <command> --help\` for a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${SERVER_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`wsinfer: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  return (await command.run())(rest);
}
