/**
 * When a batch leaves the queue: after maxQueueDelayUs, at once when a preferred size
 * fills, cut to a preferred size — and the queue time each request is told it spent.
 */
import { describe, expect, it } from 'vitest';
import { BatcherHarness, request } from './batcher-harness.js';

const oneRowRequests = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => request(`${prefix}${i}`));

describe('DynamicBatcher max queue delay', () => {
  it('holds one-row requests until maxQueueDelayUs, then sends them as one batch', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    h.submit(request('a'), request('b'), request('c'));
    expect(h.batches).toHaveLength(0);
    h.clock.advanceUs(999);
    expect(h.batches).toHaveLength(0);
    h.clock.advanceUs(1);
    expect(h.batchIds).toEqual([['a', 'b', 'c']]);
    expect(h.batches[0]!.rows).toBe(3);
    expect(h.batches[0]!.dispatchedAtUs).toBe(1000);
  });

  it('counts the delay from the oldest request, not the newest', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    h.submit(request('a'));
    h.clock.advanceUs(900);
    h.submit(request('b'));
    h.clock.advanceUs(100);
    expect(h.batchIds).toEqual([['a', 'b']]);
  });

  it('sends at once with no delay configured', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 0 });
    h.submit(request('a'));
    expect(h.batchIds).toEqual([['a']]);
  });

  it('starts a fresh delay for requests that arrive after a batch left', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    h.submit(request('a'));
    h.clock.advanceUs(1000);
    await h.finish(0);
    h.clock.advanceUs(500);
    h.submit(request('b'));
    h.clock.advanceUs(999);
    expect(h.batches).toHaveLength(1);
    h.clock.advanceUs(1);
    expect(h.batchIds).toEqual([['a'], ['b']]);
    expect(h.batches[1]!.dispatchedAtUs).toBe(2500);
  });
});

describe('DynamicBatcher preferred sizes', () => {
  it('sends at once when the largest preferred size fills, without waiting the delay', () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [2, 4], maxQueueDelayUs: 10_000 });
    h.submit(...oneRowRequests(3));
    expect(h.batches).toHaveLength(0);
    h.submit(request('r3'));
    expect(h.batchIds).toEqual([['r0', 'r1', 'r2', 'r3']]);
    expect(h.batches[0]!.dispatchedAtUs).toBe(0);
  });

  it('sends at once when maxBatchSize fills and no preferred size is set', () => {
    const h = new BatcherHarness({ maxBatchSize: 3, maxQueueDelayUs: 10_000 });
    h.submit(request('a'), request('b', { rows: 2 }));
    expect(h.batchIds).toEqual([['a', 'b']]);
    expect(h.batches[0]!.rows).toBe(3);
  });

  it('cuts a delayed batch to the largest preferred size it can make', async () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4, 8], maxQueueDelayUs: 1000 });
    h.submit(...oneRowRequests(6));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['r0', 'r1', 'r2', 'r3']]);
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['r4', 'r5']);
  });

  it('cuts what queued behind a busy instance to a preferred size', async () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4] });
    h.submit(request('busy'));
    h.submit(...oneRowRequests(6));
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['r0', 'r1', 'r2', 'r3']);
    await h.finish(1);
    expect(h.batchIds[2]).toEqual(['r4', 'r5']);
  });

  it('sends the whole set when no prefix makes a preferred size', () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4, 8], maxQueueDelayUs: 1000 });
    h.submit(...oneRowRequests(3));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['r0', 'r1', 'r2']]);
  });

  it('counts rows, not requests, toward a preferred size', () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4], maxQueueDelayUs: 10_000 });
    h.submit(request('a', { rows: 3 }));
    expect(h.batches).toHaveLength(0);
    h.submit(request('b', { rows: 1 }));
    expect(h.batchIds).toEqual([['a', 'b']]);
    expect(h.batches[0]!.rows).toBe(4);
  });
});

describe('DynamicBatcher queue time', () => {
  it('reports per request the simulated time each waited', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    h.submit(request('a'));
    h.clock.advanceUs(250);
    h.submit(request('b'));
    h.clock.advanceUs(350);
    h.submit(request('c'));
    h.clock.advanceUs(400);
    expect(h.batchIds).toEqual([['a', 'b', 'c']]);
    expect(h.batches[0]!.queueUs).toEqual([1000, 750, 400]);
  });

  it('includes time spent waiting for a busy instance', async () => {
    const h = new BatcherHarness();
    h.submit(request('busy'));
    h.clock.advanceUs(200);
    h.submit(request('a'));
    h.clock.advanceUs(100);
    h.submit(request('b'));
    h.clock.advanceUs(400);
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['a', 'b']);
    expect(h.batches[1]!.queueUs).toEqual([500, 400]);
    expect(h.batches[0]!.queueUs).toEqual([0]);
  });
});
