/**
 * The limit in an open loop: the same Poisson arrivals wsinfer's open-loop step gets, fed
 * straight to onnxruntime sessions in this process — no sockets, no (de)serialisation —
 * each batch formed the way wsinfer's batcher forms it with no queue delay (everything
 * waiting, up to maxBatchSize, as soon as a session is free). Its p99 is what the model's
 * own queueing on these cores gives at that rate, before any server adds anything: a
 * bound for the p99 goal, which the echo ceiling (no model) cannot give for a model
 * whose compute fills the cores.
 */
import { PreciseTimers } from '../../src/batching/precise-timer.js';
import { type LatencySummary, SampleBuffer, summarizeLatencies } from '../../src/bench/latency-stats.js';
import { RequestSchedule } from '../../src/bench/request-schedule.js';
import type { LimitSessions } from './limit-runner.js';

export interface LimitOpenLoop {
  rateRps: number;
  /** Requests whose latency counts (arrived after the warm-up). */
  measured: number;
  /** From each request's scheduled arrival to the end of the batch it ran in. */
  latency: LatencySummary;
  meanBatch: number;
  /** Mean run time of the batches, µs, as the sessions measured it. */
  meanRunUs: number;
}

export async function limitOpenLoop(
  sessions: LimitSessions, rateRps: number, maxBatchSize: number, durationMs: number, warmupMs: number, seed = 1,
): Promise<LimitOpenLoop> {
  const schedule = new RequestSchedule(rateRps, 'poisson', seed);
  const timers = PreciseTimers.shared();
  const originMs = performance.now();
  const measureFromMs = originMs + warmupMs;
  const endMs = measureFromMs + durationMs;
  const queue: number[] = [];
  const free = Array.from({ length: sessions.count }, (_, i) => i);
  const latencies = new SampleBuffer();
  let batches = 0;
  let rows = 0;
  let runUsSum = 0;
  let arriving = true;

  return new Promise((resolve, reject) => {
    const finishIfDone = (): void => {
      if (arriving || queue.length > 0 || free.length < sessions.count) return;
      resolve({
        rateRps, measured: latencies.count, latency: summarizeLatencies(latencies.values()),
        meanBatch: batches > 0 ? rows / batches : 0, meanRunUs: batches > 0 ? runUsSum / batches : 0,
      });
    };
    const dispatch = (): void => {
      while (free.length > 0 && queue.length > 0) {
        const session = free.pop()!;
        const batch = queue.splice(0, maxBatchSize);
        sessions.runOnce(session, batch.length).then((runUs) => {
          const nowMs = performance.now();
          for (const arrivedMs of batch) if (arrivedMs >= measureFromMs) latencies.push((nowMs - arrivedMs) * 1000);
          batches++;
          rows += batch.length;
          runUsSum += runUs;
          free.push(session);
          dispatch();
          finishIfDone();
        }, reject);
      }
    };
    const arrive = (): void => {
      const nowMs = performance.now();
      // Latency counts from the scheduled time: a late timer is charged, as in wsinfer bench.
      while (originMs + schedule.peekMs() <= nowMs && originMs + schedule.peekMs() < endMs) queue.push(originMs + schedule.takeMs());
      arriving = originMs + schedule.peekMs() < endMs;
      dispatch();
      if (arriving) timers.set(arrive, originMs + schedule.peekMs() - performance.now());
      else finishIfDone();
    };
    arrive();
  });
}
