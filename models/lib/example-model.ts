/**
 * What generate.ts needs to know about one shipped example model: how to build its ONNX
 * bytes and what to write as its config.json (design.md §3, camelCase Triton-like).
 */

export interface ExampleModelConfig {
  readonly maxBatchSize: number;
  readonly dynamicBatching: {
    readonly preferredBatchSizes: readonly number[];
    readonly maxQueueDelayUs: number;
    readonly maxQueueSize: number;
  };
  readonly instanceGroup: readonly { readonly kind: 'auto' | 'gpu' | 'cpu'; readonly count: number; readonly inline?: boolean }[];
  readonly warmup: { readonly batchSizes: readonly number[] };
}

export interface ExampleModel {
  /** Folder name under models/, and the graph name. */
  readonly name: string;
  readonly version: number;
  readonly config: ExampleModelConfig;
  /** Serialized ModelProto; the same bytes on every call. */
  build(): Uint8Array;
}
