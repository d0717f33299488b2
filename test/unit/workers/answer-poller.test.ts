/**
 * The socket thread polls for answers while batches run: at once for batches expected to
 * be short, and only from one window before the answer is due for long ones. The event
 * loop's utilisation shows when it polled and when it slept.
 */
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { batchAnswered, batchDispatched } from '../../../src/workers/answer-poller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function utilizationOver(ms: number): Promise<number> {
  const start = performance.eventLoopUtilization();
  await sleep(ms);
  return performance.eventLoopUtilization(start).utilization;
}

let open = 0;
afterEach(() => {
  while (open > 0) {
    batchAnswered();
    open--;
  }
});

describe('polling for answers', () => {
  it('polls from dispatch when the batch is expected within the window, and stops when the answer arrives', async () => {
    batchDispatched(5, 50, true);
    open++;
    expect(await utilizationOver(30)).toBeGreaterThan(0.8);
    batchAnswered();
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
});
