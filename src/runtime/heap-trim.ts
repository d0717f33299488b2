/**
 * Give freed heap pages back to the kernel (glibc's malloc_trim), through the small
 * `wsinfer_heap` addon built from native/heap_trim.cc.
 *
 * An instance's worker calls it after its session has loaded and warmed up: the load
 * parses the whole model, and the freed parse buffers otherwise stay in the thread's
 * malloc arena for the worker's whole life (medium, 11 MiB file: about 4 MiB per
 * instance; BENCHMARKS.md, "Memory"). It calls it again whenever it has been idle a while
 * after batches (IdleHeapTrim): with no CPU arena, a batch's buffers are malloc'd and
 * freed per run and glibc keeps what a burst freed. Without the built addon, or off
 * glibc, it does nothing and says so by returning false.
 */
import { loadOptionalAddon } from './optional-addon.js';

let addon: { trimHeap(): boolean } | null | undefined;

export function trimHeap(): boolean {
  if (addon === undefined) addon = loadOptionalAddon<{ trimHeap(): boolean }>('wsinfer_heap');
  return addon?.trimHeap() ?? false;
}

/**
 * Trims the heap once `touch()` has not been called for `idleMs`: call it after every
 * batch. A trim takes about a millisecond (medium, after a burst of batches: 7–11 MiB
 * returned), so it waits for a pause rather than running per batch.
 */
export class IdleHeapTrim {
  private timer: NodeJS.Timeout | undefined;
  private lastTouchMs = 0;

  constructor(private readonly idleMs: number) {}

  /** Per batch: one timestamp. The timer, armed once, checks it when it fires. */
  touch(): void {
    this.lastTouchMs = performance.now();
    if (!this.timer) this.arm(this.idleMs);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.fire, delayMs);
    // A pending trim alone must not keep a thread or process alive.
    this.timer.unref();
  }

  private readonly fire = (): void => {
    const idleForMs = performance.now() - this.lastTouchMs;
    if (idleForMs < this.idleMs) {
      this.arm(this.idleMs - idleForMs);
      return;
    }
    this.timer = undefined;
    trimHeap();
  };
}
