/**
 * How requests leave the batcher other than in a batch: refused at the door (queue full,
 * shutting down), expired in the queue, or failed because the runner broke — and drain,
 * which must wait for everything already admitted.
 */
import { describe, expect, it } from 'vitest';
import { BatcherHarness, request, settle } from './batcher-harness.js';
import { thrownBy } from '../thrown-error.js';

describe('DynamicBatcher maxQueueSize', () => {
  it('refuses at once with a retryable ERR_QUEUE_FULL, and the queued requests still run', async () => {
    const h = new BatcherHarness({ maxQueueSize: 2 });
    h.submit(request('running'));
    h.submit(request('q1'), request('q2'));
    const refused = request('refused');
    const error = thrownBy(() => h.batcher.submit(refused));
    expect(error.code).toBe('ERR_QUEUE_FULL');
    expect(error.retryable).toBe(true);
    expect(h.batcher.queued).toBe(2);
    await h.finish(0);
    expect(h.batchIds).toEqual([['running'], ['q1', 'q2']]);
    expect(refused.failures).toEqual([]);
  });

  it('admits again once the queue has room', async () => {
    const h = new BatcherHarness({ maxQueueSize: 1 });
    h.submit(request('running'), request('q1'));
    expect(thrownBy(() => h.batcher.submit(request('x'))).code).toBe('ERR_QUEUE_FULL');
    await h.finish(0);
    h.submit(request('q2'));
    expect(h.batcher.queued).toBe(1);
  });
});

describe('DynamicBatcher timeouts', () => {
  it('fails a request with ERR_TIMEOUT when its own timeout passes in the queue, and never runs it', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    const late = request('late', { timeoutUs: 500 });
    const patient = request('patient');
    h.submit(late, patient);
    h.clock.advanceUs(499);
    expect(late.failures).toEqual([]);
    h.clock.advanceUs(1);
    expect(late.failures.map((e) => e.code)).toEqual(['ERR_TIMEOUT']);
    expect(late.failures[0]!.retryable).toBe(true);
    h.clock.advanceUs(500);
    expect(h.batchIds).toEqual([['patient']]);
    expect(patient.failures).toEqual([]);
  });

  it('applies defaultTimeoutUs to requests that carry none, while the instance is busy', async () => {
    const h = new BatcherHarness({ defaultTimeoutUs: 300 });
    h.submit(request('running'));
    const waiting = request('waiting');
    h.submit(waiting);
    h.clock.advanceUs(300);
    expect(waiting.failures.map((e) => e.code)).toEqual(['ERR_TIMEOUT']);
    expect(h.batcher.queued).toBe(0);
    await h.finish(0);
    expect(h.batchIds).toEqual([['running']]);
  });

  it("lets a request's own timeout override defaultTimeoutUs", () => {
    const h = new BatcherHarness({ defaultTimeoutUs: 300, maxQueueDelayUs: 1000 });
    const own = request('own', { timeoutUs: 2000 });
    h.submit(own);
    h.clock.advanceUs(1000);
    expect(own.failures).toEqual([]);
    expect(h.batchIds).toEqual([['own']]);
  });

  it('never times out a request once it is dispatched', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    const quick = request('quick', { timeoutUs: 2000 });
    h.submit(quick);
    h.clock.advanceUs(1000);
    expect(h.batchIds).toEqual([['quick']]);
    h.clock.advanceUs(10_000);
    expect(quick.failures).toEqual([]);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('fails each expired request exactly once, and the rest of its batch still forms', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    const expiring = [request('x1', { timeoutUs: 100 }), request('x2', { timeoutUs: 200 })];
    h.submit(request('a'), ...expiring, request('b'));
    h.clock.advanceUs(1000);
    for (const r of expiring) expect(r.failures.map((e) => e.code)).toEqual(['ERR_TIMEOUT']);
    expect(h.batchIds).toEqual([['a', 'b']]);
  });
});

describe('DynamicBatcher drain', () => {
  it('resolves only after queued and in-flight batches finish', async () => {
    const h = new BatcherHarness();
    h.submit(request('running'));
    h.submit(request('q1'), request('q2'));
    let drained = false;
    const done = h.batcher.drain().then(() => { drained = true; });
    await settle();
    expect(drained).toBe(false);
    await h.finish(0);
    expect(h.batchIds[1]).toEqual(['q1', 'q2']);
    expect(drained).toBe(false);
    await h.finish(1);
    await done;
    expect(drained).toBe(true);
  });

  it('sends what is queued without waiting out the delay', () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1_000_000 });
    h.submit(request('a'), request('b'));
    void h.batcher.drain();
    expect(h.batchIds).toEqual([['a', 'b']]);
  });

  it('refuses new requests with ERR_SHUTTING_DOWN', () => {
    const h = new BatcherHarness();
    void h.batcher.drain();
    const error = thrownBy(() => h.batcher.submit(request('late')));
    expect(error.code).toBe('ERR_SHUTTING_DOWN');
    expect(h.batches).toHaveLength(0);
  });

  it('resolves at once when nothing is queued or running', async () => {
    const h = new BatcherHarness();
    let drained = false;
    await h.batcher.drain().then(() => { drained = true; });
    expect(drained).toBe(true);
  });

  it('resolves when the last queued request expires instead of running', async () => {
    const h = new BatcherHarness();
    h.submit(request('running'));
    const expiring = request('expiring', { timeoutUs: 100 });
    h.submit(expiring);
    let drained = false;
    const done = h.batcher.drain().then(() => { drained = true; });
    h.clock.advanceUs(100);
    expect(expiring.failures.map((e) => e.code)).toEqual(['ERR_TIMEOUT']);
    await h.finish(0);
    await done;
    expect(drained).toBe(true);
    expect(h.batchIds).toEqual([['running']]);
  });
});

describe('DynamicBatcher with a runner that rejects', () => {
  it('fails every request of that batch with ERR_INTERNAL and keeps serving', async () => {
    const h = new BatcherHarness();
    const first = request('first');
    const second = request('second');
    h.submit(first, second);
    h.batches[0]!.reject(new Error('runner bug'));
    await settle();
    expect(first.failures.map((e) => e.code)).toEqual(['ERR_INTERNAL']);
    expect(first.failures[0]!.message).toContain('runner bug');
    expect(h.batchIds[1]).toEqual(['second']);
    expect(second.failures).toEqual([]);
  });
});
