/**
 * Accumulates what completes during one measurement window — latencies, errors, the
 * servers' timing blocks, the generator's own CPU time and, given its pid, the server's —
 * and hands the window over when the next one starts. A request counts in the window in
 * which its answer arrived.
 */
import type { RequestOutcome, ServerFigures } from './bench-types.js';
import type { GpuTelemetry, GpuWindowStats } from './gpu-telemetry.js';
import { SampleBuffer } from './latency-stats.js';
import { type ProcessCpu, addProcessCpu, processCpuSince, readProcessCpu } from './process-cpu.js';

export class MeasurementWindow {
  readonly latenciesUs = new SampleBuffer();
  readonly sendLagsUs = new SampleBuffer();
  readonly errorsByCode = new Map<string, number>();
  completed = 0;
  rows = 0;
  sendUsSum = 0;
  sent = 0;
  recvUsSum = 0;
  timed = 0;
  queueUsSum = 0;
  computeUsSum = 0;
  batchSizeSum = 0;
  endedMs = 0;
  cpuUs = 0;
  /** The server's CPU time in this window; undefined without a pid or a readable /proc. */
  serverCpu: ProcessCpu | undefined;
  /** The server's GPU gauges scraped during this window (--collect-metrics). */
  gpu: GpuWindowStats | undefined;
  private readonly cpuAtStart = process.cpuUsage();
  private readonly serverCpuAtStart: ProcessCpu | undefined;

  constructor(readonly startedMs: number, private readonly serverPid?: number) {
    this.serverCpuAtStart = serverPid === undefined ? undefined : readProcessCpu(serverPid);
  }

  get durationMs(): number {
    return this.endedMs - this.startedMs;
  }

  get errors(): number {
    let n = 0;
    for (const count of this.errorsByCode.values()) n += count;
    return n;
  }

  get server(): ServerFigures | undefined {
    if (this.timed === 0) return undefined;
    return { queueUs: this.queueUsSum / this.timed, computeUs: this.computeUsSum / this.timed, batchSize: this.batchSizeSum / this.timed };
  }

  end(nowMs: number): void {
    this.endedMs = nowMs;
    const cpu = process.cpuUsage(this.cpuAtStart);
    this.cpuUs = cpu.user + cpu.system;
    if (this.serverPid !== undefined) this.serverCpu = processCpuSince(this.serverCpuAtStart, readProcessCpu(this.serverPid));
  }

  /** Fold `other` (a later window of the same step) into this one. */
  merge(other: MeasurementWindow): void {
    this.latenciesUs.append(other.latenciesUs);
    this.sendLagsUs.append(other.sendLagsUs);
    for (const [code, count] of other.errorsByCode) this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + count);
    this.completed += other.completed;
    this.rows += other.rows;
    this.sendUsSum += other.sendUsSum;
    this.sent += other.sent;
    this.recvUsSum += other.recvUsSum;
    this.timed += other.timed;
    this.queueUsSum += other.queueUsSum;
    this.computeUsSum += other.computeUsSum;
    this.batchSizeSum += other.batchSizeSum;
    this.cpuUs += other.cpuUs;
    // A share of the merged duration is only right if every window has its part.
    this.serverCpu = this.serverCpu && other.serverCpu ? addProcessCpu(this.serverCpu, other.serverCpu) : undefined;
    if (this.gpu && other.gpu) this.gpu.merge(other.gpu);
    this.endedMs += other.durationMs;
  }
}

export class WindowRecorder {
  private window: MeasurementWindow;

  /**
   * `serverPid`: a process on this machine whose CPU time each window records too.
   * `gpu`: the server's GPU gauges, which each window takes as it closes.
   */
  constructor(nowMs = performance.now(), private readonly serverPid?: number, private readonly gpu?: GpuTelemetry) {
    this.window = new MeasurementWindow(nowMs, serverPid);
  }

  /** Close the current window at `nowMs` and start the next one. */
  rotate(nowMs = performance.now()): MeasurementWindow {
    const finished = this.window;
    finished.end(nowMs);
    finished.gpu = this.gpu?.take();
    this.window = new MeasurementWindow(nowMs, this.serverPid);
    return finished;
  }

  /** Answers of any kind (errors too) in the window running now. */
  get answered(): number {
    return this.window.completed + this.window.errors;
  }

  recordSend(sendUs: number, lagUs?: number): void {
    this.window.sendUsSum += sendUs;
    this.window.sent++;
    if (lagUs !== undefined) this.window.sendLagsUs.push(lagUs);
  }

  record(outcome: RequestOutcome, latencyUs: number, rows: number): void {
    const w = this.window;
    if (!outcome.ok) {
      w.errorsByCode.set(outcome.code, (w.errorsByCode.get(outcome.code) ?? 0) + 1);
      return;
    }
    w.completed++;
    w.rows += rows;
    w.latenciesUs.push(latencyUs);
    w.recvUsSum += outcome.recvUs;
    const timing = outcome.timing;
    if (timing) {
      w.timed++;
      w.queueUsSum += timing.queueUs;
      w.computeUsSum += timing.computeUs;
      w.batchSizeSum += timing.batchSize;
    }
  }
}
