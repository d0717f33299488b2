/**
 * A partial batch whose delay ran out while several instances are free is shared out
 * among them; full batches and other shape groups keep what they had.
 */
import { describe, expect, it } from 'vitest';
import { BatcherHarness, request } from './batcher-harness.js';

describe('DynamicBatcher spreading a partial batch over free instances', () => {
  it('shares rows whose delay ran out among the free instances', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, maxInFlightBatches: 2 });
    h.submit(request('a'), request('b'), request('c'), request('d'));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('counts rows, not requests, and takes at least one request', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, maxInFlightBatches: 3 });
    h.submit(request('big', { rows: 5 }), request('x'), request('y'));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['big'], ['x'], ['y']]);
  });

  it('never splits a batch that reached its size', () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4], maxQueueDelayUs: 10_000, maxInFlightBatches: 2 });
    h.submit(request('a'), request('b'), request('c'), request('d'));
    expect(h.batchIds).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('leaves one instance per other shape group', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, maxInFlightBatches: 3 });
    h.submit(request('a', { shapeKey: '16' }), request('b', { shapeKey: '16' }), request('z', { shapeKey: '32' }));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['a'], ['b'], ['z']]);
  });
});
