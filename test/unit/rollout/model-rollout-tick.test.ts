/**
 * What ModelRollout.tick changes: a guard breach rolls the canary back; a staged plan moves
 * to its next step only after holdSeconds and with a guard that has judged and holds, and
 * after its last step promotes the canary to default, remembering the old one.
 */
import { describe, expect, it } from 'vitest';
import { ModelRollout } from '../../../src/rollout/model-rollout.js';
import { parseRoutingPolicy } from '../../../src/rollout/routing-policy.js';

const START_MS = 10_000_000;
const HOLD_MS = 600_000;

function rolloutOf(raw: unknown): ModelRollout {
  const rollout = new ModelRollout('fraud', () => true);
  rollout.setPolicy(parseRoutingPolicy('fraud', raw), START_MS);
  return rollout;
}

/** `requests` outcomes on each of canary and default at `atMs`. */
function traffic(rollout: ModelRollout, atMs: number, options: { requests?: number; canaryFailures?: number; canaryLatencyUs?: number } = {}): void {
  const { requests = 50, canaryFailures = 0, canaryLatencyUs = 1000 } = options;
  for (let i = 0; i < requests; i++) {
    rollout.observe('canary', atMs, canaryLatencyUs, i < canaryFailures);
    rollout.observe('default', atMs, 1000, false);
  }
}

const STAGED = { default: '1', canary: { version: '2', steps: [5, 25, 50, 100], holdSeconds: 600 } };

describe('ModelRollout.tick — guard', () => {
  it('does nothing without a policy or without a canary', () => {
    expect(new ModelRollout('fraud', () => true).tick(START_MS)).toBeUndefined();
    expect(rolloutOf({ default: '1' }).tick(START_MS)).toBeUndefined();
  });

  it('does nothing while a canary without steps holds', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 } });
    traffic(rollout, START_MS + HOLD_MS);
    expect(rollout.tick(START_MS + HOLD_MS)).toBeUndefined();
    expect(rollout.policy!.canary!.percent).toBe(10);
  });

  it('rolls back a canary whose error rate breaches: event, policy without canary, default unchanged', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 }, shadow: { version: '3' } });
    traffic(rollout, START_MS + 1000, { canaryFailures: 10 });
    const event = rollout.tick(START_MS + 2000);
    expect(event).toEqual({
      type: 'rollback',
      reason: 'guard: canary error rate 20.00 % vs 0.00 % on the default (allowed +1.00 points)',
      droppedCanary: '2',
    });
    expect(rollout.policy).toEqual({ default: '1', shadow: { version: '3', percent: 100 } });
    expect(rollout.previousDefault).toBeUndefined();
    expect(rollout.route(undefined, {}, 'conn-1').version).toBe('1');
    expect(rollout.tick(START_MS + 3000)).toBeUndefined();
  });

  it('rolls back a canary whose p99 breaches', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 } });
    traffic(rollout, START_MS + 1000, { canaryLatencyUs: 5000 });
    expect(rollout.tick(START_MS + 2000)).toMatchObject({ type: 'rollback', reason: 'guard: canary p99 5000 µs vs 1000 µs on the default (allowed ×1.5 and +1000 µs)', droppedCanary: '2' });
    expect(rollout.policy!.canary).toBeUndefined();
  });

  it('forgets failures that have left the guard window', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 } });
    traffic(rollout, START_MS, { canaryFailures: 50 });
    expect(rollout.tick(START_MS + 61_000)).toBeUndefined();
    expect(rollout.policy!.canary!.version).toBe('2');
  });

  it('starts the guard afresh for a new canary version', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 } });
    traffic(rollout, START_MS, { canaryFailures: 50 });
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '1', canary: { version: '3', percent: 10 } }), START_MS);
    expect(rollout.guardVerdict(START_MS)!.canary.requests).toBe(0);
    expect(rollout.tick(START_MS + 1000)).toBeUndefined();
  });
});

describe('ModelRollout.tick — staged plan', () => {
  it('waits for holdSeconds even with a guard that has judged', () => {
    const rollout = rolloutOf(STAGED);
    traffic(rollout, START_MS + HOLD_MS - 2000);
    expect(rollout.tick(START_MS + HOLD_MS - 1)).toBeUndefined();
    expect(rollout.policy!.canary!.percent).toBe(5);
    expect(rollout.tick(START_MS + HOLD_MS)).toEqual({ type: 'advance', version: '2', percent: 25 });
    expect(rollout.policy!.canary!.percent).toBe(25);
  });

  it('waits past holdSeconds until the guard has minRequests on both sides', () => {
    const rollout = rolloutOf(STAGED);
    const laterMs = START_MS + 2 * HOLD_MS;
    for (let i = 0; i < 50; i++) rollout.observe('canary', laterMs, 1000, false);
    for (let i = 0; i < 49; i++) rollout.observe('default', laterMs, 1000, false);
    expect(rollout.tick(laterMs)).toBeUndefined();
    rollout.observe('default', laterMs, 1000, false);
    expect(rollout.tick(laterMs)).toEqual({ type: 'advance', version: '2', percent: 25 });
  });

  it('counts the hold of each step from when that step began', () => {
    const rollout = rolloutOf(STAGED);
    const firstMs = START_MS + HOLD_MS;
    traffic(rollout, firstMs);
    expect(rollout.tick(firstMs)).toMatchObject({ type: 'advance', percent: 25 });
    traffic(rollout, firstMs + HOLD_MS - 1000);
    expect(rollout.tick(firstMs + HOLD_MS - 1)).toBeUndefined();
    expect(rollout.tick(firstMs + HOLD_MS)).toMatchObject({ type: 'advance', percent: 50 });
  });

  it('moves through every step, then promotes: the canary becomes the default and the old default is remembered', () => {
    const rollout = rolloutOf({ ...STAGED, shadow: { version: '3' } });
    const events = [];
    for (let stage = 1; stage <= 3; stage++) {
      const atMs = START_MS + stage * HOLD_MS;
      traffic(rollout, atMs);
      events.push(rollout.tick(atMs));
    }
    expect(events).toEqual([
      { type: 'advance', version: '2', percent: 25 },
      { type: 'advance', version: '2', percent: 50 },
      { type: 'promote', version: '2', previousDefault: '1' },
    ]);
    expect(rollout.policy).toEqual({ default: '2', shadow: { version: '3', percent: 100 } });
    expect(rollout.previousDefault).toBe('1');
    expect(rollout.route(undefined, {}, 'conn-1')).toMatchObject({ version: '2', arm: 'default' });
    expect(rollout.tick(START_MS + 4 * HOLD_MS)).toBeUndefined();
  });

  it('promotes after the last step when the plan ends below 100', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', steps: [10, 50], holdSeconds: 0 } });
    traffic(rollout, START_MS);
    expect(rollout.tick(START_MS)).toEqual({ type: 'advance', version: '2', percent: 50 });
    expect(rollout.tick(START_MS)).toEqual({ type: 'promote', version: '2', previousDefault: '1' });
  });

  it('starts from an explicit percent and moves to the next step above it', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10, steps: [5, 25, 100], holdSeconds: 60 } });
    traffic(rollout, START_MS + 60_000);
    expect(rollout.tick(START_MS + 60_000)).toEqual({ type: 'advance', version: '2', percent: 25 });
  });

  it('rolls back instead of advancing when the guard breaches at a later step', () => {
    const rollout = rolloutOf(STAGED);
    traffic(rollout, START_MS + HOLD_MS);
    expect(rollout.tick(START_MS + HOLD_MS)).toMatchObject({ type: 'advance', percent: 25 });
    traffic(rollout, START_MS + 2 * HOLD_MS, { requests: 100, canaryFailures: 20 });
    expect(rollout.tick(START_MS + 2 * HOLD_MS)).toMatchObject({ type: 'rollback', droppedCanary: '2' });
    expect(rollout.policy).toEqual({ default: '1' });
  });
});
