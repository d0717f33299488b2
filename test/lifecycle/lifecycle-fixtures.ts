/**
 * Shared by the lifecycle tests: source ONNX files to package (the shipped fraud model and
 * fixture models written once), fresh repositories, and the CLI's output captured.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandIo } from '../../src/cli/command-args.js';
import { writeMultiIoModel, writeScalarInt64Model } from '../fixtures/fixture-models.js';
import { SHIPPED_MODELS_DIR, TempModelRepo } from '../integration/helpers/model-repo.js';

export const FRAUD_ONNX = join(SHIPPED_MODELS_DIR, 'fraud', '1', 'model.onnx');
export const FRAUD_CONFIG_JSON = join(SHIPPED_MODELS_DIR, 'fraud', 'config.json');

export interface SourceModels {
  fraud: string;
  multiIo: string;
  scalarInt64: string;
  dir: TempModelRepo;
}

/** ONNX files to package, outside any repository under test. */
export async function writeSourceModels(): Promise<SourceModels> {
  const dir = await TempModelRepo.create();
  const multiIo = await dir.add(writeMultiIoModel);
  const scalarInt64 = await dir.add(writeScalarInt64Model);
  return {
    fraud: FRAUD_ONNX,
    multiIo: join(dir.dir, multiIo, '1', 'model.onnx'),
    scalarInt64: join(dir.dir, scalarInt64, '1', 'model.onnx'),
    dir,
  };
}

export interface CapturedIo extends CommandIo {
  out: () => string;
  err: () => string;
}

export function captureIo(): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => { out += text; } },
    stderr: { write: (text: string) => { err += text; } },
    out: () => out,
    err: () => err,
  };
}

/** Invert one byte in the middle of a file (inside the weights of every model here). */
export async function flipByte(path: string): Promise<void> {
  const bytes = await readFile(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  await writeFile(path, bytes);
}

export async function readJson(path: string): Promise<any> {
  return JSON.parse(await readFile(path, 'utf8'));
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
