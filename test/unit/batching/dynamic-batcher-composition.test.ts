/**
 * What goes into one batch: never more rows than maxBatchSize, never two shapes, one
 * request alone for models that do not batch — and how many batches run at once.
 */
import { describe, expect, it } from 'vitest';
import { BatcherHarness, request, settle } from './batcher-harness.js';

describe('DynamicBatcher batch size', () => {
  it('never exceeds maxBatchSize, counting the rows each request carries', async () => {
    const h = new BatcherHarness({ maxBatchSize: 4 });
    h.submit(request('busy'));
    h.submit(request('three', { rows: 3 }), request('two-a', { rows: 2 }), request('one', { rows: 1 }), request('two-b', { rows: 2 }));
    await h.finish(0);
    await h.finish(1);
    expect(h.batchIds.slice(1)).toEqual([['three', 'one'], ['two-a', 'two-b']]);
    expect(h.batches.map((b) => b.rows)).toEqual([1, 4, 4]);
  });

  it('keeps every batch within maxBatchSize and runs every request once under mixed row counts', async () => {
    const h = new BatcherHarness({ maxBatchSize: 5 });
    h.submit(request('busy'));
    const rowsOf = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const rows = (i * 7) % 5 + 1;
      rowsOf.set(`r${i}`, rows);
      h.submit(request(`r${i}`, { rows }));
    }
    for (let i = 0; h.batcher.queued > 0 || h.batcher.batchesInFlight > 0; i++) await h.finish(i);
    for (const batch of h.batches) {
      expect(batch.rows).toBeLessThanOrEqual(5);
      expect(batch.rows).toBe(batch.ids.reduce((sum, id) => sum + (rowsOf.get(id) ?? 1), 0));
    }
    expect(h.batchIds.flat().sort()).toEqual(['busy', ...rowsOf.keys()].sort());
  });
});

describe('DynamicBatcher shapes', () => {
  it('never puts requests with different shape keys in one batch', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, maxInFlightBatches: 2 });
    h.submit(
      request('a', { shapeKey: '16' }),
      request('b', { shapeKey: '32' }),
      request('c', { shapeKey: '16' }),
      request('d', { shapeKey: '32' }),
    );
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['a', 'c'], ['b', 'd']]);
    for (const batch of h.batches) expect(new Set(batch.shapeKeys).size).toBe(1);
  });

  it('runs the other shape next when only one instance is free', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    h.submit(request('a', { shapeKey: '16' }), request('b', { shapeKey: '32' }), request('c', { shapeKey: '16' }));
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['a', 'c']]);
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['b']);
  });

  it('sends a full preferred batch of one shape at once, even behind an older request of another shape', () => {
    const h = new BatcherHarness({ maxBatchSize: 8, preferredBatchSizes: [4], maxQueueDelayUs: 10_000, maxInFlightBatches: 2 });
    h.submit(request('lone', { shapeKey: '16' }));
    h.submit(...['b0', 'b1', 'b2', 'b3'].map((id) => request(id, { shapeKey: '32' })));
    // Two instances are free and four same-shape rows fill the preferred size.
    expect(h.batchIds).toContainEqual(['b0', 'b1', 'b2', 'b3']);
  });
});

describe('DynamicBatcher for models that do not batch (maxBatchSize 0)', () => {
  it('sends one request per batch', async () => {
    const h = new BatcherHarness({ maxBatchSize: 0 });
    h.submit(request('a'), request('b'), request('c'));
    expect(h.batchIds).toEqual([['a']]);
    await h.finish(0);
    await h.finish(1);
    expect(h.batchIds).toEqual([['a'], ['b'], ['c']]);
    expect(h.batches.map((b) => b.rows)).toEqual([1, 1, 1]);
  });

  it('runs one request on each free instance', () => {
    const h = new BatcherHarness({ maxBatchSize: 0, maxInFlightBatches: 3 });
    h.submit(request('a'), request('b'), request('c'), request('d'));
    expect(h.batchIds).toEqual([['a'], ['b'], ['c']]);
    expect(h.batcher.queued).toBe(1);
  });
});

describe('DynamicBatcher instance gating (maxInFlightBatches)', () => {
  it('accumulates requests while the one instance is busy and sends them as one batch when it frees', async () => {
    const h = new BatcherHarness({ maxInFlightBatches: 1 });
    h.submit(request('a'));
    expect(h.batchIds).toEqual([['a']]);
    h.submit(request('b'), request('c'), request('d'));
    expect(h.batches).toHaveLength(1);
    expect(h.batcher.queued).toBe(3);
    expect(h.batcher.batchesInFlight).toBe(1);
    await h.finish(0);
    expect(h.batchIds).toEqual([['a'], ['b', 'c', 'd']]);
    expect(h.batcher.queued).toBe(0);
  });

  it('does not dispatch on the delay timer while every instance is busy', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000, maxInFlightBatches: 1 });
    h.submit(request('a'));
    h.clock.advanceUs(1000);
    h.submit(request('b'));
    h.clock.advanceUs(5000);
    expect(h.batches).toHaveLength(1);
    await h.finish(0);
    // b has waited past its delay by now, so it leaves as soon as the instance frees.
    expect(h.batchIds[1]).toEqual(['b']);
  });

  it('runs as many batches at once as there are instances', async () => {
    const h = new BatcherHarness({ maxInFlightBatches: 2 });
    h.submit(request('a'), request('b'), request('c'));
    expect(h.batchIds).toEqual([['a'], ['b']]);
    expect(h.batcher.batchesInFlight).toBe(2);
    await h.finish(1);
    expect(h.batchIds[2]).toEqual(['c']);
    expect(h.batcher.batchesInFlight).toBe(2);
  });
});

describe('DynamicBatcher instance reuse', () => {
  it('hands a freed instance the next batch at once, before the previous batch is answered', async () => {
    const h = new BatcherHarness({ maxBatchSize: 2 });
    h.submit(request('a'));
    h.submit(request('b'), request('c'));
    expect(h.batchIds).toEqual([['a']]);
    h.batches[0]!.free();
    expect(h.batchIds).toEqual([['a'], ['b', 'c']]);
    // 'a' is still being answered: it counts until then.
    expect(h.batcher.batchesInFlight).toBe(2);
    // Freeing twice, or answering after freeing, frees no second instance.
    h.batches[0]!.free();
    h.submit(request('d'));
    await h.finish(0);
    expect(h.batchIds).toEqual([['a'], ['b', 'c']]);
    expect(h.batcher.batchesInFlight).toBe(1);
    await h.finish(1);
    expect(h.batchIds).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('drains only once a freed batch has been answered too', async () => {
    const h = new BatcherHarness();
    h.submit(request('a'));
    h.batches[0]!.free();
    let drained = false;
    const done = h.batcher.drain().then(() => {
      drained = true;
    });
    await settle();
    expect(drained).toBe(false);
    await h.finish(0);
    await done;
    expect(drained).toBe(true);
  });
});

describe('DynamicBatcher dispatchAfterReads (inline instances)', () => {
  it('sends requests that arrive in one turn of the event loop as one batch, after that turn', async () => {
    const h = new BatcherHarness({ dispatchAfterReads: true });
    h.submit(request('a'), request('b'), request('c'));
    expect(h.batchIds).toEqual([]);
    await settle();
    expect(h.batchIds).toEqual([['a', 'b', 'c']]);
  });

  it('dispatches the first at once without it, with an instance free', () => {
    const h = new BatcherHarness();
    h.submit(request('a'), request('b'), request('c'));
    expect(h.batchIds).toEqual([['a']]);
  });

  it('still waits for the free instance, and hands it what queued meanwhile when it frees', async () => {
    const h = new BatcherHarness({ dispatchAfterReads: true });
    h.submit(request('a'));
    await settle();
    h.submit(request('b'), request('c'));
    await settle();
    expect(h.batchIds).toEqual([['a']]);
    h.batches[0]!.free();
    expect(h.batchIds).toEqual([['a'], ['b', 'c']]);
  });
});
