/**
 * LoopPoller keeps this thread's event loop turning without sleeping for a bounded window:
 * the event loop's own utilisation shows whether it slept.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { LoopPoller } from '../../../src/workers/loop-poller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LoopPoller', () => {
  it('keeps the event loop busy for its window, then lets it sleep, and says how long it polled', async () => {
    const stretches: number[] = [];
    const poller = new LoopPoller((polledMs) => stretches.push(polledMs));
    const before = performance.eventLoopUtilization();
    poller.pollFor(40);
    expect(poller.polling).toBe(true);
    await sleep(40);
    const polled = performance.eventLoopUtilization(before);
    await sleep(20);
    expect(poller.polling).toBe(false);
    expect(stretches).toHaveLength(1);
    expect(stretches[0]).toBeGreaterThanOrEqual(40);
    // Not polling, the loop sleeps in epoll while the timer runs.
    const idle = performance.eventLoopUtilization();
    await sleep(40);
    const slept = performance.eventLoopUtilization(idle);
    expect(polled.utilization).toBeGreaterThan(0.8);
    expect(slept.utilization).toBeLessThan(0.5);
  });

  it('ends a stretch early on stop(), and extends a running one instead of starting another', async () => {
    const stretches: number[] = [];
    const poller = new LoopPoller((polledMs) => stretches.push(polledMs));
    poller.pollFor(1_000);
    await sleep(5);
    poller.pollFor(1_000);
    poller.stop();
    poller.stop();
    expect(poller.polling).toBe(false);
    expect(stretches).toHaveLength(1);
    expect(stretches[0]).toBeLessThan(1_000);
  });

  it('does nothing for a window of 0', () => {
    const poller = new LoopPoller(() => {
      throw new Error('no stretch expected');
    });
    poller.pollFor(0);
    expect(poller.polling).toBe(false);
    poller.stop();
  });
});
