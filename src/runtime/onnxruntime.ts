/**
 * onnxruntime-node, loaded with require(). The package is CommonJS, and an ES module that
 * imports CommonJS makes Node start its CommonJS export parser (a WebAssembly module) in
 * that thread: with piscina imported the same way, about 4 MiB more resident memory in
 * every instance's worker thread (bench/what-we-changed.md, item 12). Modules that run in
 * instance workers take the runtime from here, and types from `import type`.
 */
import { createRequire } from 'node:module';
import type * as OnnxRuntime from 'onnxruntime-node';

export const onnxruntime = createRequire(import.meta.url)('onnxruntime-node') as typeof OnnxRuntime;
