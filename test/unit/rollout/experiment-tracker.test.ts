/**
 * An experiment's bookkeeping as feedback arrives: values checked against the metric, one
 * value per request, unknown or forgotten requests refused with ERR_FEEDBACK_UNMATCHED, and
 * per-arm n and mean in the report.
 */
import { describe, expect, it } from 'vitest';
import { ExperimentTracker } from '../../../src/rollout/experiment-tracker.js';
import type { ExperimentPolicy } from '../../../src/rollout/routing-policy.js';
import { thrownBy } from '../thrown-error.js';

const BINARY: ExperimentPolicy = { a: '1', b: '2', split: 50, metric: 'binary' };
const CONTINUOUS: ExperimentPolicy = { a: '1', b: '2', split: 50, metric: 'continuous' };

interface ArmRow {
  arm: string;
  version: string;
  n: number;
  mean: number;
}

function arms(tracker: ExperimentTracker): ArmRow[] {
  return (tracker.report() as { arms: ArmRow[] }).arms.map(({ arm, version, n, mean }) => ({ arm, version, n, mean }));
}

describe('ExperimentTracker — feedback values', () => {
  it.each([[0, 0], [1, 1], [true, 1], [false, 0]])('binary: takes %j as %d', (value, counted) => {
    const tracker = new ExperimentTracker(BINARY);
    tracker.assign('r1', 'a');
    expect(tracker.feedback('r1', value)).toBe('a');
    expect(arms(tracker)[0]).toEqual({ arm: 'a', version: '1', n: 1, mean: counted });
  });

  it.each([2, 0.5, -1, '1', 'true', null, undefined, Number.NaN])('binary: refuses %j with ERR_INPUT_INVALID and keeps the request awaiting feedback', (value) => {
    const tracker = new ExperimentTracker(BINARY);
    tracker.assign('r1', 'b');
    const error = thrownBy(() => tracker.feedback('r1', value));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toBe('a binary experiment takes feedback 0/1 or true/false');
    expect(tracker.has('r1')).toBe(true);
    expect(tracker.feedback('r1', 1)).toBe('b');
  });

  it.each([-3.5, 0, 42, 1e9])('continuous: takes the finite number %d', (value) => {
    const tracker = new ExperimentTracker(CONTINUOUS);
    tracker.assign('r1', 'b');
    tracker.feedback('r1', value);
    expect(arms(tracker)[1]).toEqual({ arm: 'b', version: '2', n: 1, mean: value });
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '3', true, null])('continuous: refuses %j with ERR_INPUT_INVALID', (value) => {
    const tracker = new ExperimentTracker(CONTINUOUS);
    tracker.assign('r1', 'a');
    const error = thrownBy(() => tracker.feedback('r1', value));
    expect(error.code).toBe('ERR_INPUT_INVALID');
    expect(error.message).toBe('a continuous experiment takes a finite number as feedback');
    expect(tracker.has('r1')).toBe(true);
  });
});

describe('ExperimentTracker — matching feedback to requests', () => {
  it('refuses feedback for a request it never assigned with ERR_FEEDBACK_UNMATCHED (404)', () => {
    const error = thrownBy(() => new ExperimentTracker(BINARY).feedback('nobody', 1));
    expect(error.code).toBe('ERR_FEEDBACK_UNMATCHED');
    expect(error.httpStatus).toBe(404);
    expect(error.message).toBe("no experiment assignment awaits feedback for request 'nobody'");
  });

  it('takes one value per request: the second is ERR_FEEDBACK_UNMATCHED and not counted', () => {
    const tracker = new ExperimentTracker(BINARY);
    tracker.assign('r1', 'a');
    tracker.feedback('r1', 1);
    expect(tracker.has('r1')).toBe(false);
    expect(thrownBy(() => tracker.feedback('r1', 0)).code).toBe('ERR_FEEDBACK_UNMATCHED');
    expect(arms(tracker)[0]).toMatchObject({ n: 1, mean: 1 });
  });

  it('credits the arm the request was assigned to', () => {
    const tracker = new ExperimentTracker(BINARY);
    tracker.assign('r-a', 'a');
    tracker.assign('r-b', 'b');
    expect(tracker.feedback('r-b', 1)).toBe('b');
    expect(tracker.feedback('r-a', 0)).toBe('a');
  });

  it('remembers the last 100 000 assignments: the oldest is forgotten, the rest still match', () => {
    const tracker = new ExperimentTracker(BINARY);
    for (let i = 0; i <= 100_000; i++) tracker.assign(`r${i}`, i % 2 === 0 ? 'a' : 'b');
    expect(tracker.report().awaiting_feedback).toBe(100_000);
    expect(tracker.has('r0')).toBe(false);
    expect(thrownBy(() => tracker.feedback('r0', 1)).code).toBe('ERR_FEEDBACK_UNMATCHED');
    expect(tracker.feedback('r1', 1)).toBe('b');
    expect(tracker.feedback('r100000', 1)).toBe('a');
  });
});

describe('ExperimentTracker — report', () => {
  it('reports both arms with their versions, n and mean, the split, and how many requests await feedback', () => {
    const tracker = new ExperimentTracker({ a: '3', b: '7', split: 40, metric: 'binary' });
    const outcomes: Array<['a' | 'b', number]> = [['a', 1], ['a', 0], ['a', 0], ['a', 0], ['b', 1], ['b', 1], ['b', 0]];
    outcomes.forEach(([arm], i) => tracker.assign(`r${i}`, arm));
    tracker.assign('pending', 'a');
    outcomes.forEach(([, value], i) => tracker.feedback(`r${i}`, value));
    const report = tracker.report();
    expect(report).toMatchObject({ a: '3', b: '7', split: 40, awaiting_feedback: 1, metric: 'binary', test: 'two-proportion z-test' });
    const [armA, armB] = arms(tracker);
    expect(armA).toEqual({ arm: 'a', version: '3', n: 4, mean: 0.25 });
    expect(armB).toMatchObject({ arm: 'b', version: '7', n: 3 });
    expect(armB!.mean).toBeCloseTo(2 / 3, 15);
  });

  it('reports continuous arms with Welch\'s test', () => {
    const tracker = new ExperimentTracker(CONTINUOUS);
    [10, 20].forEach((value, i) => {
      tracker.assign(`a${i}`, 'a');
      tracker.feedback(`a${i}`, value);
    });
    tracker.assign('b0', 'b');
    tracker.feedback('b0', 7.5);
    expect(tracker.report()).toMatchObject({ metric: 'continuous', test: "Welch's t-test" });
    expect(arms(tracker)).toEqual([
      { arm: 'a', version: '1', n: 2, mean: 15 },
      { arm: 'b', version: '2', n: 1, mean: 7.5 },
    ]);
  });

  it('starts with empty arms', () => {
    expect(arms(new ExperimentTracker(BINARY))).toEqual([
      { arm: 'a', version: '1', n: 0, mean: 0 },
      { arm: 'b', version: '2', n: 0, mean: 0 },
    ]);
  });

  it('counts the same versions and metric as the same experiment, whatever the split', () => {
    const tracker = new ExperimentTracker(BINARY);
    expect(tracker.sameExperiment({ ...BINARY, split: 10, stickyKey: 'user' })).toBe(true);
    expect(tracker.sameExperiment({ ...BINARY, b: '3' })).toBe(false);
    expect(tracker.sameExperiment({ ...BINARY, metric: 'continuous' })).toBe(false);
  });
});
