/**
 * What this machine adds to every request before any server code runs: how often a busy
 * thread loses the CPU (a shared VM's host preempts it), how late a sub-millisecond timer
 * fires, and what one hand-off to an idle worker thread and back costs. These set the
 * floor under the latency goals; BENCHMARKS.md prints them beside the results.
 */
import { Worker } from 'node:worker_threads';
import { PreciseTimers } from '../../src/batching/precise-timer.js';
import { percentile } from '../../src/bench/latency-stats.js';

export interface NoiseFigures {
  /** A thread spinning for `spinMs`: gaps over 100 µs in its view of the clock. */
  stalls: { spinMs: number; count: number; totalMs: number; maxMs: number };
  /** A 500 µs timer: how late it fired. */
  timerLateUs: { preciseP50: number; preciseP99: number; setTimeoutP50: number; setTimeoutP99: number };
  /** postMessage to a worker idle for 1 ms and its echo back. */
  handOffRoundTripUs: { p50: number; p99: number };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function spinForStalls(spinMs: number): NoiseFigures['stalls'] {
  const endMs = performance.now() + spinMs;
  let last = performance.now();
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  for (let now = last; now < endMs; now = performance.now()) {
    const gapMs = now - last;
    if (gapMs > 0.1) {
      count++;
      totalMs += gapMs;
      maxMs = Math.max(maxMs, gapMs);
    }
    last = now;
  }
  return { spinMs, count, totalMs, maxMs };
}

async function timerLateness(samples: number, delayMs: number, precise: boolean): Promise<number[]> {
  const lateUs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const dueMs = performance.now() + delayMs;
    await new Promise<void>((resolve) => {
      const fired = () => {
        lateUs.push((performance.now() - dueMs) * 1000);
        resolve();
      };
      if (precise) PreciseTimers.shared().set(fired, delayMs);
      else setTimeout(fired, delayMs);
    });
  }
  return lateUs.sort((a, b) => a - b);
}

async function handOffRoundTrips(samples: number): Promise<number[]> {
  const worker = new Worker("require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m));", { eval: true });
  const echo = (value: number) => new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.postMessage(value);
  });
  try {
    await echo(0);
    const roundTripsUs: number[] = [];
    for (let i = 0; i < samples; i++) {
      await sleep(1);
      const startedMs = performance.now();
      await echo(i);
      roundTripsUs.push((performance.now() - startedMs) * 1000);
    }
    return roundTripsUs.sort((a, b) => a - b);
  } finally {
    await worker.terminate();
  }
}

export async function probeNoise(): Promise<NoiseFigures> {
  const stalls = spinForStalls(2000);
  // A live handle while only the (unref'd) precise timers are pending.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    const precise = await timerLateness(300, 0.5, true);
    const coarse = await timerLateness(300, 0.5, false);
    const handOff = await handOffRoundTrips(300);
    return {
      stalls,
      timerLateUs: { preciseP50: percentile(precise, 50), preciseP99: percentile(precise, 99), setTimeoutP50: percentile(coarse, 50), setTimeoutP99: percentile(coarse, 99) },
      handOffRoundTripUs: { p50: percentile(handOff, 50), p99: percentile(handOff, 99) },
    };
  } finally {
    clearInterval(keepAlive);
  }
}
