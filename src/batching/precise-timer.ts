/**
 * Timers with sub-millisecond precision that do not spin. Node's setTimeout rounds up to
 * whole milliseconds and fires ~1 ms late on top: a 500 µs queue delay became 1.2–1.5 ms,
 * more than a whole fraud request (BENCHMARKS.md). Polling with setImmediate would be
 * precise but keeps a core busy that the instances and clients need.
 *
 * One helper thread per process sleeps in Atomics.wait (a futex with a timeout, tens of µs
 * late) until the earliest timer is due and then wakes the event loop with a message; the
 * main thread sleeps in epoll meanwhile. Timers are kept here, on the calling thread; the
 * helper only ever knows the earliest due time.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated from a string, so it loads the same from sources and dist/.
const HELPER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const due = new Float64Array(workerData, 0, 1);
const signal = new Int32Array(workerData, 8, 2);
let fired = -1;
for (;;) {
  if (Atomics.load(signal, 1) === 1) break;
  const generation = Atomics.load(signal, 0);
  const target = due[0];
  if (generation === fired || target === 0) { Atomics.wait(signal, 0, generation); continue; }
  const waitMs = target - (performance.timeOrigin + performance.now());
  if (waitMs > 0.01) { Atomics.wait(signal, 0, generation, waitMs); continue; }
  fired = generation;
  parentPort.postMessage(generation);
}
`;

export interface PreciseTimerHandle {
  cancel(): void;
}

/** Milliseconds since the epoch at sub-ms resolution; comparable across threads. */
export function absoluteNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export class PreciseTimers {
  private static instance: PreciseTimers | undefined;
  private readonly shared = new SharedArrayBuffer(16);
  private readonly due = new Float64Array(this.shared, 0, 1);
  private readonly signal = new Int32Array(this.shared, 8, 2);
  private readonly worker: Worker;
  private readonly timers = new Map<number, { dueAbsMs: number; callback: () => void }>();
  private nextId = 0;
  private armedAbsMs = 0;

  constructor() {
    this.worker = new Worker(HELPER_SOURCE, { eval: true, workerData: this.shared });
    this.worker.on('message', () => this.fire());
    this.worker.on('error', () => {});
    // Like an unref'd timer: pending timers alone do not keep the process alive.
    this.worker.unref();
  }

  /** The process-wide instance, started on first use. */
  static shared(): PreciseTimers {
    PreciseTimers.instance ??= new PreciseTimers();
    return PreciseTimers.instance;
  }

  /** Run `callback` once, as soon as possible after `delayMs`. */
  set(callback: () => void, delayMs: number): PreciseTimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { dueAbsMs: absoluteNowMs() + Math.max(0, delayMs), callback });
    this.rearm();
    return { cancel: () => this.timers.delete(id) };
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  async close(): Promise<void> {
    this.timers.clear();
    Atomics.store(this.signal, 1, 1);
    this.wake();
    await this.worker.terminate();
    if (PreciseTimers.instance === this) PreciseTimers.instance = undefined;
  }

  private fire(): void {
    this.armedAbsMs = 0;
    const nowAbsMs = absoluteNowMs();
    for (const [id, timer] of this.timers) {
      if (timer.dueAbsMs > nowAbsMs) continue;
      this.timers.delete(id);
      timer.callback();
    }
    this.rearm();
  }

  private rearm(): void {
    let earliest = 0;
    for (const timer of this.timers.values()) {
      if (earliest === 0 || timer.dueAbsMs < earliest) earliest = timer.dueAbsMs;
    }
    // Cancelled timers stay armed: the helper then wakes once for nothing, which is cheaper
    // than a futex wake per cancel.
    if (earliest === 0 || (this.armedAbsMs !== 0 && this.armedAbsMs <= earliest)) return;
    this.armedAbsMs = earliest;
    this.due[0] = earliest;
    this.wake();
  }

  private wake(): void {
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }
}
