/**
 * The two ways of applying load. Closed loop: `concurrency` requests always in flight,
 * each answer sends the next. Open loop: requests leave on a schedule whatever the
 * answers do, and latency runs from the scheduled time, so a late send is charged to
 * the measurement rather than hidden (no coordinated omission).
 */
import type { BenchTransport, InputSet, RequestOutcome } from './bench-types.js';
import { type PreciseTimerHandle, PreciseTimers } from '../batching/precise-timer.js';
import type { RequestSchedule } from './request-schedule.js';
import type { WindowRecorder } from './window-recorder.js';

/** Told about every successful answer (the verifier samples from here). */
export type AnswerTap = (inputIndex: number, outcome: Extract<RequestOutcome, { ok: true }>) => void;

export interface LoadDriver {
  start(): void;
  /** Stop sending; answers still arriving are recorded. */
  stop(): void;
}

export interface DriverContext {
  transport: BenchTransport;
  inputSets: InputSet[];
  recorder: () => WindowRecorder;
  /** Whether the next answer should carry its outputs (for verification). */
  wantOutputs?: () => boolean;
  tap?: AnswerTap;
}

abstract class BaseDriver implements LoadDriver {
  protected running = false;
  private nextInput = 0;

  constructor(protected readonly ctx: DriverContext) {}

  abstract start(): void;

  stop(): void {
    this.running = false;
  }

  /**
   * Send one request; `startMs` is when its latency starts counting. With no connection
   * left a send could only fail at once, and a closed loop would resend on every failure
   * as fast as the event loop turns, counting errors by the hundred thousand: the load
   * stops instead, and the step runner reports the connections lost.
   */
  protected issue(startMs: number, onAnswered: () => void, scheduledLagUs?: number): void {
    if (this.ctx.transport.openConnections === 0) {
      this.stop();
      return;
    }
    const inputIndex = this.nextInput++ % this.ctx.inputSets.length;
    const rows = this.ctx.inputSets[inputIndex]!.rows;
    const keep = this.ctx.wantOutputs?.() ?? false;
    const sendUs = this.ctx.transport.send(inputIndex, (outcome) => {
      const latencyUs = (performance.now() - startMs) * 1000;
      this.ctx.recorder().record(outcome, latencyUs, rows);
      if (outcome.ok && this.ctx.tap) this.ctx.tap(inputIndex, outcome);
      onAnswered();
    }, keep);
    this.ctx.recorder().recordSend(sendUs, scheduledLagUs);
  }
}

export class ClosedLoopDriver extends BaseDriver {
  constructor(ctx: DriverContext, readonly concurrency: number) {
    super(ctx);
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.concurrency; i++) this.loop();
  }

  private loop(): void {
    if (!this.running) return;
    this.issue(performance.now(), () => this.loop());
  }
}

export class OpenLoopDriver extends BaseDriver {
  // Node's timers fire ~1 ms late, more than a fraud request takes; polling would burn a core.
  private timer: PreciseTimerHandle | undefined;
  private originMs = 0;

  constructor(ctx: DriverContext, private readonly schedule: RequestSchedule, private readonly maxInFlight: number) {
    super(ctx);
  }

  start(): void {
    this.running = true;
    this.originMs = performance.now();
    this.tick();
  }

  override stop(): void {
    super.stop();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.running) return;
    const nowMs = performance.now();
    // Bounded per tick, so a generator that fell far behind still yields to the loop.
    for (let sent = 0; sent < 10_000 && this.running && this.originMs + this.schedule.peekMs() <= nowMs; sent++) {
      const dueMs = this.originMs + this.schedule.takeMs();
      if (this.ctx.transport.pending >= this.maxInFlight) {
        // Counted as an error, not queued: an unbounded backlog would be the client's, not the server's.
        this.ctx.recorder().record({ ok: false, code: 'ERR_CLIENT_BACKLOG' }, 0, 0);
        continue;
      }
      this.issue(dueMs, noop, (nowMs - dueMs) * 1000);
    }
    if (!this.running) return;
    this.timer = PreciseTimers.shared().set(() => this.tick(), this.originMs + this.schedule.peekMs() - performance.now());
  }
}

function noop(): void {}
