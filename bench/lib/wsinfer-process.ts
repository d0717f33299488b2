/**
 * The servers under test as child processes on ephemeral loopback ports: wsinfer as users
 * run it (`node bin/wsinfer.mjs serve`, compiled dist/, built first), or from the
 * TypeScript sources through tsx; and the baselines (bench/baselines/: the naive peer, the
 * echo ceiling), compiled the same way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ServerProcess, startServer } from './server-process.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FROM_SOURCE_ENTRY = fileURLToPath(new URL('./serve-from-source.ts', import.meta.url));
/** Inside the repository, so the compiled baselines resolve packages from node_modules/. */
const COMPILED_DIR = join(ROOT, 'bench', 'results');

/** bench/baselines/<name>.ts: the naive peer, and the echo ceiling that does no inference. */
export type Baseline = 'naive-server' | 'echo-server';

export type WsinferBuild = 'dist' | 'source';

export function wsinferCommand(build: WsinferBuild): string {
  return build === 'dist'
    ? 'node bin/wsinfer.mjs serve --models DIR --host 127.0.0.1 --port 0'
    : 'node --import tsx bench/lib/serve-from-source.ts serve --models DIR --host 127.0.0.1 --port 0';
}

/**
 * `tsc -p tsconfig.build.json` into dist/. Type errors elsewhere in a tree being worked on
 * still leave JavaScript behind; only a missing entry point stops the suite.
 */
export function buildWsinfer(log: (text: string) => void): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
    log(`build reported errors; running what it emitted:\n${(result.stdout + result.stderr).split('\n').slice(0, 5).join('\n')}`);
  }
}

/** A baseline as plain JavaScript: no loader in its process, like wsinfer's dist/. Returns the script's path. */
export async function compileBaseline(name: Baseline): Promise<string> {
  // Loaded here, not at the top: the GPU run (bench/gpu.ts) starts wsinfer from this file
  // on machines that may carry only the runtime packages.
  const { default: ts } = await import('typescript');
  const source = await readFile(join(ROOT, 'bench', 'baselines', `${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  await mkdir(COMPILED_DIR, { recursive: true });
  const compiled = join(COMPILED_DIR, `${name}.mjs`);
  await writeFile(compiled, outputText);
  return compiled;
}

export function startWsinfer(modelsDir: string, build: WsinferBuild = 'dist'): Promise<ServerProcess> {
  const args = build === 'dist'
    ? [join(ROOT, 'bin', 'wsinfer.mjs'), 'serve']
    : ['--import', 'tsx', FROM_SOURCE_ENTRY, 'serve'];
  return startServer({
    command: process.execPath,
    args: [...args, '--models', modelsDir, '--host', '127.0.0.1', '--port', '0'],
    cwd: ROOT,
    readyPattern: /http:\/\/127\.0\.0\.1:(\d+)/,
    startTimeoutMs: 120_000,
  });
}

/** A compiled baseline serving one model; both log "… listening on PORT". */
/** `runThreads`: the echo server runs the model in place before each reply (0: it does not; the naive peer ignores it). */
/** `mode`: the echo server's `run:N` or `pace:RATE:BURST` (bench/baselines/echo-server.ts). */
export function startBaseline(script: string, modelPath: string, mode = ''): Promise<ServerProcess> {
  return startServer({
    command: process.execPath,
    args: [script, modelPath, '0', mode],
    cwd: ROOT,
    readyPattern: /listening on (\d+)/,
    startTimeoutMs: 60_000,
  });
}
