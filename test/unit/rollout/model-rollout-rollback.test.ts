/**
 * Rollback and policy changes: rollback drops the canary and the experiment, and restores
 * the previous default only while a promotion is the last change; a policy change keeps
 * the experiment's feedback only while its versions and metric stay the same.
 */
import { describe, expect, it } from 'vitest';
import { ModelRollout } from '../../../src/rollout/model-rollout.js';
import { parseRoutingPolicy } from '../../../src/rollout/routing-policy.js';

const NOW_MS = 5_000_000;

function rolloutWith(...raws: unknown[]): ModelRollout {
  const rollout = new ModelRollout('fraud', () => true);
  for (const raw of raws) rollout.setPolicy(parseRoutingPolicy('fraud', raw), NOW_MS);
  return rollout;
}

describe('ModelRollout.rollback', () => {
  it('drops canary and experiment, keeps default and shadow, when the last change promoted nothing', () => {
    const rollout = rolloutWith({ default: '1', canary: { version: '2', percent: 10 }, experiment: { a: '1', b: '3' }, shadow: { version: '3' } });
    expect(rollout.rollback('requested through the API', NOW_MS)).toEqual({ type: 'rollback', reason: 'requested through the API', droppedCanary: '2' });
    expect(rollout.policy).toEqual({ default: '1', shadow: { version: '3', percent: 100 } });
    expect(rollout.experiment).toBeUndefined();
  });

  it('restores the previous default after a policy change that set a new default, then forgets it', () => {
    const rollout = rolloutWith({ default: '1' }, { default: '2' });
    expect(rollout.previousDefault).toBe('1');
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api', restoredDefault: '1' });
    expect(rollout.policy).toEqual({ default: '1' });
    expect(rollout.previousDefault).toBeUndefined();
    expect(rollout.route(undefined, {}, 'conn-1').version).toBe('1');
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api' });
    expect(rollout.policy).toEqual({ default: '1' });
  });

  it('restores the previous default when the promoting change also started a canary, dropping both', () => {
    const rollout = rolloutWith({ default: '1' }, { default: '2', canary: { version: '3', percent: 5 } });
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api', restoredDefault: '1', droppedCanary: '3' });
    expect(rollout.policy).toEqual({ default: '1' });
  });

  it('keeps the default when a later change that kept it followed the promotion', () => {
    const rollout = rolloutWith({ default: '1' }, { default: '2' }, { default: '2', canary: { version: '3', percent: 5 } });
    expect(rollout.previousDefault).toBeUndefined();
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api', droppedCanary: '3' });
    expect(rollout.policy).toEqual({ default: '2' });
  });

  it('restores the default a staged plan replaced', () => {
    const rollout = rolloutWith({ default: '1', canary: { version: '2', steps: [100], holdSeconds: 0 } });
    for (let i = 0; i < 50; i++) {
      rollout.observe('canary', NOW_MS, 1000, false);
      rollout.observe('default', NOW_MS, 1000, false);
    }
    expect(rollout.tick(NOW_MS)).toEqual({ type: 'promote', version: '2', previousDefault: '1' });
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api', restoredDefault: '1' });
    expect(rollout.policy).toEqual({ default: '1' });
  });

  it('restores a previous default handed over with the policy, as read back from routing.json', () => {
    const rollout = new ModelRollout('fraud', () => true);
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '2' }), NOW_MS, '1');
    expect(rollout.previousDefault).toBe('1');
    expect(rollout.rollback('api', NOW_MS)).toMatchObject({ restoredDefault: '1' });
    expect(rollout.policy!.default).toBe('1');
  });

  it('changes nothing on a model without a policy', () => {
    const rollout = new ModelRollout('fraud', () => true);
    expect(rollout.rollback('api', NOW_MS)).toEqual({ type: 'rollback', reason: 'api' });
    expect(rollout.policy).toBeUndefined();
  });
});

describe('ModelRollout.setPolicy — experiment feedback across changes', () => {
  const EXPERIMENT = { default: '1', experiment: { a: '1', b: '2', split: 50 } };

  /** A rollout whose experiment has one binary outcome of 1 for arm a. */
  function withFeedback(): ModelRollout {
    const rollout = rolloutWith(EXPERIMENT);
    rollout.experiment!.assign('r1', 'a');
    rollout.experiment!.feedback('r1', 1);
    return rollout;
  }

  function armNs(rollout: ModelRollout): number[] {
    const report = rollout.experiment!.report() as { arms: Array<{ n: number }> };
    return report.arms.map((arm) => arm.n);
  }

  it('keeps the collected feedback when only the split, sticky key or other parts change', () => {
    const rollout = withFeedback();
    const tracker = rollout.experiment;
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '3', canary: { version: '4', percent: 5 }, experiment: { a: 1, b: 2, split: 30, stickyKey: 'user' } }), NOW_MS);
    expect(rollout.experiment).toBe(tracker);
    expect(armNs(rollout)).toEqual([1, 0]);
  });

  it('reports the split the policy now has after a change that kept the experiment', () => {
    const rollout = withFeedback();
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '1', experiment: { a: '1', b: '2', split: 30 } }), NOW_MS);
    expect(rollout.experiment!.report()).toMatchObject({ a: '1', b: '2', split: 30 });
  });

  it.each([
    ['another version b', { a: '1', b: '3' }],
    ['the arms swapped', { a: '2', b: '1' }],
    ['another metric', { a: '1', b: '2', metric: 'continuous' }],
  ])('starts a new experiment for %s', (_change, experiment) => {
    const rollout = withFeedback();
    const tracker = rollout.experiment;
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '1', experiment }), NOW_MS);
    expect(rollout.experiment).not.toBe(tracker);
    expect(armNs(rollout)).toEqual([0, 0]);
  });

  it('ends the experiment when the policy has none, and starts from nothing when it comes back', () => {
    const rollout = withFeedback();
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '1' }), NOW_MS);
    expect(rollout.experiment).toBeUndefined();
    rollout.setPolicy(parseRoutingPolicy('fraud', EXPERIMENT), NOW_MS);
    expect(armNs(rollout)).toEqual([0, 0]);
  });
});
