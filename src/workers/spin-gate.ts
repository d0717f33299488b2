/**
 * How many threads may poll for their next message instead of sleeping: as many as the
 * machine leaves cores idle. On a busy machine polling takes CPU from the socket thread
 * and from other processes, so it stops by itself when the idle cores are gone and starts
 * again when they come back.
 *
 * The server samples the idle time of all cores (os.cpus(), every process counted) every
 * `sampleMs`. Polling is wall time that says nothing of the CPU it took from others, so
 * every PROBE_EVERY-th sample is a probe during which nobody starts polling, and each
 * probe decides until the next (a change of load is followed within half a second).
 * Instance threads count themselves in and out through a SharedArrayBuffer (SpinTicket),
 * so the decision reaches every worker without messages.
 *
 * A thread counts itself in by writing its threadId into a free slot, not by bumping a
 * counter: a worker destroyed while it polls (a model unloaded, a version rolled out, a
 * crash) cannot count itself out, and its slot is released by threadId instead
 * (releaseThread), where a counter would stay one too high for the server's life.
 */
import { cpus } from 'node:os';
import { threadId as currentThreadId } from 'node:worker_threads';

const ALLOWED = 0;
/** Slots follow: each 0 (free) or the threadId + 1 of a thread counted in. */
const FIRST_SLOT = 1;

/** One sample in PROBE_EVERY is a probe: a fifth of the time nobody starts polling. */
const PROBE_EVERY = 5;
/**
 * A core is free to poll on when at least this share of it sat idle in the probe. On the
 * 2-core bench machine (generator included) probes read 0.8–1.0 idle cores at concurrency
 * 1, where polling cuts fraud's p50 by a third, and 0.4–0.7 at concurrency 8 and 0.1–0.7
 * at 64, where polling (even yielding every turn) cost up to a quarter of the throughput.
 */
const IDLE_SHARE_TO_POLL = 0.75;

export interface SpinGateClock {
  /** Idle milliseconds summed over all cores since some fixed point. */
  idleMs(): number;
  nowMs(): number;
}

const machineClock: SpinGateClock = {
  idleMs: () => cpus().reduce((sum, cpu) => sum + cpu.times.idle, 0),
  nowMs: () => performance.now(),
};

/** Server side: samples idle time and sets how many threads may poll. */
export class SpinGate {
  /** One slot per core: the gate never allows more pollers than cores. */
  readonly buffer = new SharedArrayBuffer((FIRST_SLOT + Math.max(1, cpus().length)) * Int32Array.BYTES_PER_ELEMENT);
  private readonly cells = new Int32Array(this.buffer);
  private timer: NodeJS.Timeout | undefined;
  private lastIdleMs = 0;
  private lastAtMs = 0;
  private samples = 0;
  private probing = true;
  private allowedByProbes = 0;

  constructor(
    private readonly sampleMs = 100,
    private readonly clock: SpinGateClock = machineClock,
  ) {}

  /** Threads allowed to poll now. */
  get allowed(): number {
    return Atomics.load(this.cells, ALLOWED);
  }

  /** Threads polling now. */
  get polling(): number {
    return occupiedSlots(this.cells);
  }

  /** Start sampling; the first sample is a probe, so nobody polls before it. */
  start(): void {
    if (this.timer) return;
    this.begin();
    this.timer = setInterval(() => this.sample(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    Atomics.store(this.cells, ALLOWED, 0);
  }

  /** Reset to "probing, nobody polls"; start() calls it, and tests that drive sample(). */
  begin(): void {
    this.lastIdleMs = this.clock.idleMs();
    this.lastAtMs = this.clock.nowMs();
    this.samples = 0;
    this.probing = true;
    this.allowedByProbes = 0;
    Atomics.store(this.cells, ALLOWED, 0);
  }

  /** One sample: the timer calls it every sampleMs. */
  sample(): void {
    const nowMs = this.clock.nowMs();
    const idleMs = this.clock.idleMs();
    const elapsedMs = nowMs - this.lastAtMs;
    if (elapsedMs <= 0) return;
    const idleCores = (idleMs - this.lastIdleMs) / elapsedMs;
    this.lastIdleMs = idleMs;
    this.lastAtMs = nowMs;
    this.samples++;
    if (this.probing) {
      this.allowedByProbes = Math.max(0, Math.floor(idleCores + 1 - IDLE_SHARE_TO_POLL));
    }
    this.probing = this.samples % PROBE_EVERY === 0;
    Atomics.store(this.cells, ALLOWED, this.probing ? 0 : this.allowedByProbes);
  }
}

function occupiedSlots(cells: Int32Array): number {
  let occupied = 0;
  for (let i = FIRST_SLOT; i < cells.length; i++) if (Atomics.load(cells, i) !== 0) occupied++;
  return occupied;
}

/** Instance side: a view of the gate through its SharedArrayBuffer. */
export class SpinTicket {
  private readonly cells: Int32Array;
  private slot = -1;

  /** `threadId`: whose slot this ticket takes (this thread's unless a test says otherwise). */
  constructor(buffer: SharedArrayBuffer, private readonly threadId: number = currentThreadId) {
    this.cells = new Int32Array(buffer);
  }

  /** Whether any thread may poll now. */
  get open(): boolean {
    return Atomics.load(this.cells, ALLOWED) > 0;
  }

  /**
   * Count this thread in if the gate has room; `leave` must follow. The slot is taken
   * before the count is checked, so two threads racing for the last place can both back
   * off, but never both get in.
   */
  tryEnter(): boolean {
    if (this.slot >= 0) return true;
    const mark = this.threadId + 1;
    for (let i = FIRST_SLOT; i < this.cells.length; i++) {
      if (Atomics.compareExchange(this.cells, i, 0, mark) !== 0) continue;
      if (occupiedSlots(this.cells) <= Atomics.load(this.cells, ALLOWED)) {
        this.slot = i;
        return true;
      }
      Atomics.store(this.cells, i, 0);
      return false;
    }
    return false;
  }

  leave(): void {
    if (this.slot < 0) return;
    Atomics.compareExchange(this.cells, this.slot, this.threadId + 1, 0);
    this.slot = -1;
  }

  /** Count out a thread that can no longer do it itself (its worker was destroyed). */
  releaseThread(threadId: number): void {
    for (let i = FIRST_SLOT; i < this.cells.length; i++) Atomics.compareExchange(this.cells, i, threadId + 1, 0);
  }
}
