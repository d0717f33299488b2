/**
 * Keeps a thread's event loop polling instead of sleeping, for a bounded window.
 *
 * While an immediate is queued, libuv polls for I/O without blocking, so a message posted
 * to this thread is picked up on the next turn instead of waking a sleeping thread. On a
 * VM that wake-up is the largest cost of a lone request: 60–100 µs each way between the
 * socket thread and an instance (bench/what-we-changed.md). Polling holds a core, so
 * callers poll only where the machine leaves a core idle (spin-gate.ts), and every turn
 * yields the core to any thread waiting for it.
 */
import { yieldCpu } from '../runtime/cpu-yield.js';

export class LoopPoller {
  private startedMs = -1;
  private untilMs = 0;
  private scheduled = false;

  /** `onStop` is told when each polling stretch ends and how long it lasted. */
  constructor(private readonly onStop?: (polledMs: number) => void) {}

  get polling(): boolean {
    return this.startedMs >= 0;
  }

  /** Poll until `windowMs` from now; extends a stretch already running. */
  pollFor(windowMs: number): void {
    if (!(windowMs > 0)) return;
    const nowMs = performance.now();
    if (this.startedMs < 0) this.startedMs = nowMs;
    this.untilMs = nowMs + windowMs;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.turn);
    }
  }

  /** End the stretch now (what it waited for has arrived). */
  stop(): void {
    if (this.startedMs < 0) return;
    const polledMs = performance.now() - this.startedMs;
    this.startedMs = -1;
    this.onStop?.(polledMs);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.startedMs < 0) return;
    if (performance.now() >= this.untilMs) {
      this.stop();
      return;
    }
    yieldCpu();
    this.scheduled = true;
    setImmediate(this.turn);
  };
}
