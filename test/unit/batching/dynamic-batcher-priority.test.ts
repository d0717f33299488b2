/**
 * Priority levels: level 1 is served first, requests naming no level get the model's
 * default, and a high-priority arrival must not make older requests wait past their delay.
 */
import { describe, expect, it } from 'vitest';
import { BatcherHarness, request } from './batcher-harness.js';

describe('DynamicBatcher priority levels', () => {
  it('runs a priority-1 request queued after priority-3 ones first', async () => {
    const h = new BatcherHarness({ maxBatchSize: 1, priorityLevels: 3, defaultPriorityLevel: 3 });
    h.submit(request('running'));
    h.submit(request('low-1', { priority: 3 }), request('low-2', { priority: 3 }), request('urgent', { priority: 1 }));
    await h.finish(0);
    await h.finish(1);
    await h.finish(2);
    expect(h.batchIds).toEqual([['running'], ['urgent'], ['low-1'], ['low-2']]);
  });

  it('orders a mixed-priority batch by level, FIFO within each level', async () => {
    const h = new BatcherHarness({ priorityLevels: 2, defaultPriorityLevel: 2 });
    h.submit(request('running'));
    h.submit(request('low-a', { priority: 2 }), request('high-a', { priority: 1 }), request('low-b', { priority: 2 }), request('high-b', { priority: 1 }));
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['high-a', 'high-b', 'low-a', 'low-b']);
  });

  it('puts requests that name no priority at the default level', async () => {
    const h = new BatcherHarness({ maxBatchSize: 1, priorityLevels: 3, defaultPriorityLevel: 2 });
    h.submit(request('running'));
    h.submit(request('lowest', { priority: 3 }), request('unnamed'), request('top', { priority: 1 }));
    for (let i = 0; i < 3; i++) await h.finish(i);
    expect(h.batchIds).toEqual([['running'], ['top'], ['unnamed'], ['lowest']]);
  });

  it('serves a priority beyond the last level at the last level', async () => {
    const h = new BatcherHarness({ maxBatchSize: 1, priorityLevels: 2, defaultPriorityLevel: 2 });
    h.submit(request('running'));
    h.submit(request('beyond', { priority: 9 }), request('high', { priority: 1 }), request('last', { priority: 2 }));
    for (let i = 0; i < 3; i++) await h.finish(i);
    expect(h.batchIds).toEqual([['running'], ['high'], ['beyond'], ['last']]);
  });

  it('sends older low-priority requests when their delay is up, even after a newer high-priority arrival', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, priorityLevels: 2, defaultPriorityLevel: 2 });
    h.submit(request('old-low', { priority: 2 }));
    h.clock.advanceUs(900);
    h.submit(request('new-high', { priority: 1 }));
    h.clock.advanceUs(100);
    // old-low has waited maxQueueDelayUs with the instance free.
    expect(h.batchIds).toEqual([['new-high', 'old-low']]);
    expect(h.batches[0]!.queueUs).toEqual([100, 1000]);
  });
});
