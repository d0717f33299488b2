/**
 * Give freed heap pages back to the kernel (glibc's malloc_trim), through the small
 * `wsinfer_heap` addon built from native/heap_trim.cc.
 *
 * An instance's worker calls it once, after its session has loaded and warmed up: the
 * load parses the whole model, and the freed parse buffers otherwise stay in the thread's
 * malloc arena for the worker's whole life (medium, 11 MiB file: about 4 MiB per
 * instance; BENCHMARKS.md, "Memory"). Without the built addon, or off glibc, it does
 * nothing and says so by returning false.
 */
import { loadOptionalAddon } from './optional-addon.js';

let addon: { trimHeap(): boolean } | null | undefined;

export function trimHeap(): boolean {
  if (addon === undefined) addon = loadOptionalAddon<{ trimHeap(): boolean }>('wsinfer_heap');
  return addon?.trimHeap() ?? false;
}
