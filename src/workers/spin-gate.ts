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
 */
import { cpus } from 'node:os';

const ALLOWED = 0;
const POLLING = 1;
const CELLS = 2;

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
  readonly buffer = new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
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
    return Atomics.load(this.cells, POLLING);
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

/** Instance side: a view of the gate through its SharedArrayBuffer. */
export class SpinTicket {
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.cells = new Int32Array(buffer);
  }

  /** Whether any thread may poll now. */
  get open(): boolean {
    return Atomics.load(this.cells, ALLOWED) > 0;
  }

  /** Count this thread in if the gate has room; `leave` must follow. */
  tryEnter(): boolean {
    const before = Atomics.add(this.cells, POLLING, 1);
    if (before < Atomics.load(this.cells, ALLOWED)) return true;
    Atomics.sub(this.cells, POLLING, 1);
    return false;
  }

  leave(): void {
    Atomics.sub(this.cells, POLLING, 1);
  }
}
