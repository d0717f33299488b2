/**
 * Time as the batcher sees it. Injected so batching tests step time by hand instead of
 * sleeping, and never depend on how busy the machine is.
 */
import { PreciseTimers } from './precise-timer.js';

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic microseconds. */
  nowUs(): number;
  /** Run `callback` after at least `delayUs`. */
  setTimer(callback: () => void, delayUs: number): TimerHandle;
}

/** Waits shorter than this use the precise timers; setTimeout's ~1 ms slack is small beside longer ones. */
const PRECISE_BELOW_US = 5_000;

/**
 * The process clock. Queue delays (sub-millisecond to a few ms) run on PreciseTimers,
 * which fire within tens of µs; longer waits (request timeouts) on setTimeout.
 */
export const systemClock: Clock = {
  nowUs: () => performance.now() * 1000,
  setTimer(callback, delayUs) {
    if (delayUs < PRECISE_BELOW_US) return PreciseTimers.shared().set(callback, delayUs / 1000);
    const timer = setTimeout(callback, Math.max(1, Math.ceil(delayUs / 1000)));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** A clock that only moves when told to; timers fire in due order during `advanceUs`. */
export class ManualClock implements Clock {
  private timeUs = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { dueUs: number; callback: () => void }>();

  nowUs(): number {
    return this.timeUs;
  }

  setTimer(callback: () => void, delayUs: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { dueUs: this.timeUs + Math.max(0, delayUs), callback });
    return { cancel: () => this.timers.delete(id) };
  }

  advanceUs(deltaUs: number): void {
    const targetUs = this.timeUs + deltaUs;
    for (;;) {
      let nextId: number | undefined;
      let nextDueUs = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.dueUs <= targetUs && timer.dueUs < nextDueUs) {
          nextDueUs = timer.dueUs;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.timeUs = Math.max(this.timeUs, timer.dueUs);
      timer.callback();
    }
    this.timeUs = targetUs;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
