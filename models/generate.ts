/**
 * Writes the shipped example models and their config.json files:
 *
 *   npm run models                 # into models/
 *   npx tsx models/generate.ts --out DIR
 *
 * Output is deterministic (seeded weights, no timestamps), so regenerating leaves the
 * committed files unchanged; test/models checks that.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cnnModel } from './lib/cnn.js';
import type { ExampleModel } from './lib/example-model.js';
import { fraudModel } from './lib/fraud.js';
import { mediumModel } from './lib/medium.js';

export const EXAMPLE_MODELS: readonly ExampleModel[] = [fraudModel, cnnModel, mediumModel];

/** The folder this script lives in: the default output. */
export const MODELS_DIR = dirname(fileURLToPath(import.meta.url));

export interface WrittenModel {
  readonly name: string;
  readonly modelPath: string;
  readonly configPath: string;
  readonly bytes: number;
}

export async function generateModels(outDir: string = MODELS_DIR): Promise<WrittenModel[]> {
  const written: WrittenModel[] = [];
  for (const model of EXAMPLE_MODELS) {
    const versionDir = join(outDir, model.name, String(model.version));
    await mkdir(versionDir, { recursive: true });
    const bytes = model.build();
    const modelPath = join(versionDir, 'model.onnx');
    const configPath = join(outDir, model.name, 'config.json');
    await writeFile(modelPath, bytes);
    await writeFile(configPath, formatConfig(model.config));
    written.push({ name: model.name, modelPath, configPath, bytes: bytes.length });
  }
  return written;
}

/** Two-space JSON with number lists kept on one line, as in design.md's examples. */
export function formatConfig(config: unknown): string {
  const pretty = JSON.stringify(config, null, 2);
  return `${pretty.replace(/\[\s*([-\d.,\s]*?)\s*\]/g, (_m, items: string) => `[${items.split(/,\s*/).join(', ')}]`)}\n`;
}

function parseOutDir(argv: readonly string[]): string {
  let out = MODELS_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out') {
      const value = argv[++i];
      if (value === undefined) throw new Error('--out needs a directory');
      out = resolve(value);
    } else if (arg.startsWith('--out=')) {
      out = resolve(arg.slice('--out='.length));
    } else {
      throw new Error(`unknown argument ${arg} (usage: generate.ts [--out DIR])`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const outDir = parseOutDir(process.argv.slice(2));
  for (const m of await generateModels(outDir)) {
    console.log(`${m.modelPath} (${m.bytes} bytes)`);
  }
}

// Run only as a script, so tests can import generateModels without side effects.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
