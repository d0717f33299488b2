/**
 * The socket thread polls for answers while batches run: at once for batches expected to
 * be short, and only from one window before the answer is due for long ones; after the
 * last answer it polls one more window for the next request. The event loop's
 * utilisation shows when it polled and when it slept.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { batchAnswered, batchDispatched } from '../../../src/workers/socket-poller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function utilizationOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

let open = 0;
afterEach(() => {
  while (open > 0) {
    batchAnswered(0);
    open--;
  }
});

describe('the socket thread polling', () => {
  it('polls from dispatch when the batch is expected within the window, and sleeps once answered with the gate shut', async () => {
    batchDispatched(5, 50, true);
    open++;
    expect(await utilizationOver(30)).toBeGreaterThan(0.8);
    batchAnswered(0);
    open--;
    expect(await utilizationOver(30)).toBeLessThan(0.5);
  });

  it('sleeps through most of a long batch and polls from one window before it is due', async () => {
    batchDispatched(120, 40, true);
    open++;
    expect(await utilizationOver(60)).toBeLessThan(0.5);
    await sleep(30);
    expect(await utilizationOver(40)).toBeGreaterThan(0.8);
  });

  it('does not poll when the gate is shut', async () => {
    batchDispatched(5, 50, false);
    open++;
    expect(await utilizationOver(30)).toBeLessThan(0.5);
  });

  it('after the last answer, polls one more window for the next request, then sleeps', async () => {
    batchDispatched(1, 50, true);
    batchDispatched(1, 50, true);
    batchAnswered(60);
    // One batch still runs: its answer polling goes on.
    expect(await utilizationOver(20)).toBeGreaterThan(0.8);
    batchAnswered(60);
    expect(await utilizationOver(40)).toBeGreaterThan(0.8);
    await sleep(30);
    expect(await utilizationOver(40)).toBeLessThan(0.5);
  });

  it('stops polling for the next request when a dispatch finds the gate shut', async () => {
    batchDispatched(1, 50, true);
    batchAnswered(200);
    expect(await utilizationOver(20)).toBeGreaterThan(0.8);
    batchDispatched(1, 50, false);
    open++;
    expect(await utilizationOver(40)).toBeLessThan(0.5);
  });
});
