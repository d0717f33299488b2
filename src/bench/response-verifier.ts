/**
 * `--verify`: keeps a reservoir sample of answers taken throughout the run (so answers
 * from large batches under load are among them), then runs each sampled request's inputs
 * alone through onnxruntime in-process and compares. A wrong split of a batch's outputs
 * shows up as a mismatch.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toOrtType } from '../protocol/datatypes.js';
import { fromHalfBits } from '../protocol/float16.js';
import type { BenchTensor, InputSet, RequestOutcome, VerifyReport } from './bench-types.js';
import { seededRandom } from './seeded-random.js';

/** Batched and lone runs may pick different kernels; their float results differ in the last bits. */
const ABSOLUTE_TOLERANCE = 1e-4;
const RELATIVE_TOLERANCE = 1e-3;
const MAX_DETAILS = 5;

interface Sample {
  inputIndex: number;
  outputs: BenchTensor[];
  modelVersion?: string;
}

export class ResponseVerifier {
  private readonly samples: Sample[] = [];
  private seen = 0;
  private sends = 0;
  private readonly random: () => number;

  constructor(private readonly maxSamples = 100, private readonly stride = 20, seed = 7) {
    this.random = seededRandom(seed);
  }

  /** Whether the request about to be sent should bring its outputs back. */
  readonly wantOutputs = (): boolean => this.sends++ % this.stride === 0;

  readonly tap = (inputIndex: number, outcome: Extract<RequestOutcome, { ok: true }>): void => {
    if (!outcome.outputs) return;
    const sample = { inputIndex, outputs: outcome.outputs, modelVersion: outcome.modelVersion };
    this.seen++;
    if (this.samples.length < this.maxSamples) this.samples.push(sample);
    else {
      const slot = Math.floor(this.random() * this.seen);
      if (slot < this.maxSamples) this.samples[slot] = sample;
    }
  };

  get sampled(): number {
    return this.samples.length;
  }

  async verify(modelPathFor: (version: string | undefined) => string, inputSets: InputSet[]): Promise<VerifyReport> {
    const ort = await import('onnxruntime-node');
    const sessions = new Map<string, Promise<import('onnxruntime-node').InferenceSession>>();
    const references = new Map<string, Promise<Record<string, import('onnxruntime-node').Tensor>>>();
    const details: string[] = [];
    let mismatched = 0;
    try {
      for (const sample of this.samples) {
        const path = modelPathFor(sample.modelVersion);
        if (!sessions.has(path)) sessions.set(path, ort.InferenceSession.create(path, { executionProviders: ['cpu'], intraOpNumThreads: 1 }));
        const key = `${path}#${sample.inputIndex}`;
        if (!references.has(key)) {
          const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
          for (const t of inputSets[sample.inputIndex]!.tensors) feeds[t.name] = new ort.Tensor(toOrtType(t.datatype), t.data as never, t.shape);
          references.set(key, sessions.get(path)!.then((session) => session.run(feeds)));
        }
        const reference = await references.get(key)!;
        const problem = compareOutputs(sample.outputs, reference);
        if (problem) {
          mismatched++;
          if (details.length < MAX_DETAILS) details.push(`input set ${sample.inputIndex}: ${problem}`);
        }
      }
    } finally {
      for (const session of sessions.values()) await (await session).release();
    }
    return { checked: this.samples.length, mismatched, details };
  }
}

type OrtLike = { dims: readonly number[]; data: unknown; type: string };

export function compareOutputs(outputs: BenchTensor[], reference: Record<string, OrtLike>): string | undefined {
  for (const output of outputs) {
    const expected = reference[output.name];
    if (!expected) return `output '${output.name}' is not an output of the model`;
    if (expected.dims.join(',') !== output.shape.join(',')) return `output '${output.name}': shape [${output.shape}] vs [${expected.dims}] in-process`;
    const got = output.data as ArrayLike<unknown>;
    const want = expected.data as ArrayLike<unknown>;
    if (got.length !== want.length) return `output '${output.name}': ${got.length} values vs ${want.length}`;
    const half = output.datatype === 'FP16';
    for (let i = 0; i < got.length; i++) {
      const a = half ? fromHalfBits(got[i] as number) : got[i];
      const b = half ? fromHalfBits(want[i] as number) : want[i];
      if (typeof a === 'number' && typeof b === 'number') {
        if (!(Math.abs(a - b) <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(b)) && !(Number.isNaN(a) && Number.isNaN(b))) {
          return `output '${output.name}'[${i}]: ${a} vs ${b} in-process`;
        }
      } else if (a !== b) {
        return `output '${output.name}'[${i}]: ${String(a)} vs ${String(b)} in-process`;
      }
    }
  }
  return undefined;
}

/** The model file for `--model-path`, or `<models>/<model>/<version>/model.onnx` (highest version when unknown). */
export function modelPathResolver(modelPath: string | undefined, modelsDir: string | undefined, model: string): (version: string | undefined) => string {
  return (version) => {
    if (modelPath) return modelPath;
    if (!modelsDir) throw new Error('--verify needs the model file: --model-path FILE or --models DIR');
    const chosen = version ?? readdirSync(join(modelsDir, model)).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a))[0];
    const path = join(modelsDir, model, chosen ?? '1', 'model.onnx');
    if (!existsSync(path)) throw new Error(`--verify: no model file at ${path}`);
    return path;
  };
}
