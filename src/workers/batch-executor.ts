/**
 * Turns a dispatched batch into one worker task and the task's outputs back into one
 * answer per request: inputs concatenated along dim 0 into buffers transferred (not
 * cloned) to the instance, outputs split back as views of the returned buffers.
 */
import { WsinferError } from '../errors.js';
import type { DispatchedBatch } from '../batching/dynamic-batcher.js';
import type { PendingInference } from '../batching/pending-inference.js';
import { type Datatype, type TensorData, toOrtType } from '../protocol/datatypes.js';
import type { Tensor } from '../protocol/tensor.js';
import type { ModelSignature } from '../registry/model-signature.js';
import { concatTensorRows, ownsBuffer, splitRows } from '../runtime/tensor-batch.js';
import type { BatchTask, WorkerTensor } from './batch-task.js';
import type { ModelInstances } from './model-instances.js';

export type PoolChooser = (pools: readonly ModelInstances[]) => ModelInstances;

export interface BatchObserver {
  /** A batch ran (successfully or not) on an instance. */
  batchFinished(rows: number, computeUs: number | undefined): void;
}

export class BatchExecutor {
  private readonly outputNames: string[];

  constructor(
    /** One pool per instance group, in config order: earlier groups are preferred. */
    private readonly pools: ModelInstances[],
    private readonly signature: ModelSignature,
    private readonly batchable: boolean,
    private readonly observer?: BatchObserver,
    /** Picks the pool for each batch (GPU spill-over: instance-selector.ts); default: first with a free instance. */
    private readonly choosePool: PoolChooser = (pools) => pools.find((p) => p.idle > 0) ?? pools[0]!,
  ) {
    this.outputNames = signature.outputs.map((spec) => spec.name);
  }

  readonly run = async (batch: DispatchedBatch<PendingInference>): Promise<void> => {
    const { requests, rows, queueUs } = batch;
    const transfer: ArrayBuffer[] = [];
    const inputs = this.signature.inputs.map((spec, index): WorkerTensor => {
      const first = requests[0]!.inputs[index]!;
      // A lone request whose tensor owns its buffer (decoded from JSON, or an unaligned one's
      // copy) moves as is.
      const data = requests.length === 1 && ownsBuffer(first.data)
        ? first.data
        : concatTensorRows(spec.datatype, requests.map((r) => r.inputs[index]!));
      if (!Array.isArray(data)) transfer.push(data.buffer as ArrayBuffer);
      const dims = this.batchable ? [rows, ...first.shape.slice(1)] : first.shape;
      return { name: spec.name, type: toOrtType(spec.datatype), dims, data };
    });
    const task: BatchTask = { inputs, outputNames: this.outputNames };
    const pool = this.choosePool(this.pools);
    const result = await pool.run(task, transfer);
    // The instance is free: let the batcher hand it the next batch before these answers go out.
    batch.instanceFree();
    this.observer?.batchFinished(rows, result.ok ? result.computeUs : undefined);
    if (!result.ok) {
      const error = new WsinferError(result.code, result.message);
      for (const request of requests) request.fail(error);
      return;
    }
    const rowCounts = requests.map((r) => r.rows);
    const perOutput = result.outputs.map((output, index) => {
      const spec = this.signature.outputs[index]!;
      const pieces = this.batchable ? splitRows(output.data, output.dims, rowCounts) : [output.data];
      return { name: spec.name, datatype: spec.datatype, dims: output.dims, pieces };
    });
    // Indexed loops: this runs once per request of every batch, and for-of allocated an
    // iterator result per element here.
    for (let i = 0; i < requests.length; i++) {
      const request = requests[i]!;
      const names = request.outputNames;
      const outputs: Tensor[] = [];
      for (let n = 0; n < names.length; n++) {
        const entry = outputNamed(perOutput, names[n]!);
        const shape = this.batchable ? withRows(entry.dims, request.rows) : entry.dims;
        outputs.push({ name: entry.name, datatype: entry.datatype, shape, data: entry.pieces[i]! });
      }
      request.succeed(outputs, { queueUs: queueUs[i]!, computeUs: result.computeUs, batchSize: rows });
    }
  };
}

interface BatchOutput {
  name: string;
  datatype: Datatype;
  dims: number[];
  /** One per request, in batch order. */
  pieces: TensorData[];
}

function outputNamed(outputs: readonly BatchOutput[], name: string): BatchOutput {
  for (let i = 0; i < outputs.length; i++) if (outputs[i]!.name === name) return outputs[i]!;
  throw new Error(`the instance returned no output '${name}'`);
}

/** `dims` with dim 0 set to `rows`. */
function withRows(dims: readonly number[], rows: number): number[] {
  const shape = dims.slice();
  shape[0] = rows;
  return shape;
}
