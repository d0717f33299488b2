/**
 * The queue delay judged by its outcome: waits that nobody joins stop being made for lone
 * requests (a closed-loop client at concurrency 1 never sends while it waits), probes
 * notice when company returns, and fruitful waits keep batching as configured.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUTILE_WAITS_TO_SKIP, DEFAULT_PROBE_INTERVAL_US, DelayAdvisor } from '../../../src/batching/delay-advisor.js';
import { BatcherHarness, request } from './batcher-harness.js';

/** One lone request waits its full delay and finishes; returns when it ran. */
async function loneWait(h: BatcherHarness, id: string, delayUs: number): Promise<number> {
  const before = h.batches.length;
  h.submit(request(id));
  if (h.batches.length === before) h.clock.advanceUs(delayUs);
  const batch = h.batches[before]!;
  await h.finish(before);
  return batch.dispatchedAtUs;
}

describe('DynamicBatcher adaptive queue delay', () => {
  it('sends a lone request at once after three waits that nobody joined', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    for (let i = 0; i < DEFAULT_FUTILE_WAITS_TO_SKIP; i++) {
      const startUs = h.clock.nowUs();
      expect(await loneWait(h, `w${i}`, 1000)).toBe(startUs + 1000);
    }
    const startUs = h.clock.nowUs();
    h.submit(request('fast'));
    expect(h.batches.at(-1)!.ids).toEqual(['fast']);
    expect(h.batches.at(-1)!.dispatchedAtUs).toBe(startUs);
  });

  it('keeps waiting while waits gather company', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    for (let round = 0; round < 5; round++) {
      h.submit(request(`a${round}`));
      h.clock.advanceUs(400);
      h.submit(request(`b${round}`));
      expect(h.batches).toHaveLength(round);
      h.clock.advanceUs(600);
      expect(h.batchIds[round]).toEqual([`a${round}`, `b${round}`]);
      await h.finish(round);
    }
  });

  it('probes again after the probe interval and resumes waiting when a probe gathers company', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    for (let i = 0; i < DEFAULT_FUTILE_WAITS_TO_SKIP; i++) await loneWait(h, `w${i}`, 1000);
    h.clock.advanceUs(DEFAULT_PROBE_INTERVAL_US);
    h.submit(request('probe'));
    expect(h.batches).toHaveLength(DEFAULT_FUTILE_WAITS_TO_SKIP);
    h.clock.advanceUs(300);
    h.submit(request('company'));
    expect(h.batchIds.at(-1)).toEqual(['probe', 'company']);
    await h.finish(h.batches.length - 1);
    // Waiting is back: a lone request waits its delay again.
    h.submit(request('patient'));
    expect(h.batchIds.at(-1)).toEqual(['probe', 'company']);
    h.clock.advanceUs(1000);
    expect(h.batchIds.at(-1)).toEqual(['patient']);
  });

  it('still batches what queued behind a busy instance while it skips the delay', async () => {
    const h = new BatcherHarness({ maxQueueDelayUs: 1000 });
    for (let i = 0; i < DEFAULT_FUTILE_WAITS_TO_SKIP; i++) await loneWait(h, `w${i}`, 1000);
    h.submit(request('x'), request('y'), request('z'));
    expect(h.batchIds.at(-1)).toEqual(['x']);
    await h.finish(h.batches.length - 1);
    expect(h.batchIds.at(-1)).toEqual(['y', 'z']);
  });
});

describe('DelayAdvisor', () => {
  it('waits until the futile streak, then only once per probe interval', () => {
    const advisor = new DelayAdvisor(2, 1000);
    expect(advisor.shouldWait(0)).toBe(true);
    advisor.recordWait(false, 0);
    advisor.recordWait(false, 10);
    expect(advisor.skipping).toBe(true);
    expect(advisor.shouldWait(20)).toBe(false);
    expect(advisor.shouldWait(1009)).toBe(false);
    expect(advisor.shouldWait(1010)).toBe(true);
    expect(advisor.shouldWait(1011)).toBe(false);
    advisor.recordWait(true, 1500);
    expect(advisor.skipping).toBe(false);
    expect(advisor.shouldWait(1501)).toBe(true);
  });
});
