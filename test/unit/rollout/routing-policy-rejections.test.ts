/**
 * Every way a routing policy is refused: ERR_CONFIG_INVALID with a message naming the field
 * at fault, so a user can fix a PUT body or a routing.json without guessing.
 */
import { describe, expect, it } from 'vitest';
import { parseRoutingPolicy } from '../../../src/rollout/routing-policy.js';
import { thrownBy } from '../thrown-error.js';

/** The message of the ERR_CONFIG_INVALID that parsing `raw` throws. */
function refusal(raw: unknown): string {
  const error = thrownBy(() => parseRoutingPolicy('fraud', raw));
  expect(error.code).toBe('ERR_CONFIG_INVALID');
  expect(error.httpStatus).toBe(400);
  return error.message;
}

const CANARY = { version: '2', percent: 5 };

describe('parseRoutingPolicy — the policy itself', () => {
  it.each([null, 'default: 1', 7, ['1']])('refuses %j: a policy is an object', (raw) => {
    expect(refusal(raw)).toBe("routing of 'fraud': policy must be an object");
  });

  it('refuses a policy without a default', () => {
    expect(refusal({ canary: CANARY })).toContain('default must be a version number');
  });

  it('refuses an unknown top-level field, naming it', () => {
    expect(refusal({ default: '1', cannary: CANARY })).toContain('policy.cannary is not a known setting');
  });
});

describe('parseRoutingPolicy — unknown fields at each level', () => {
  it.each([
    [{ default: '1', canary: { ...CANARY, pct: 5 } }, 'canary.pct'],
    [{ default: '1', canary: { ...CANARY, guard: { window: 60 } } }, 'canary.guard.window'],
    [{ default: '1', shadow: { version: '3', share: 10 } }, 'shadow.share'],
    [{ default: '1', experiment: { a: '1', b: '2', ratio: 50 } }, 'experiment.ratio'],
  ])('%j → names %s', (raw, field) => {
    expect(refusal(raw)).toContain(`${field} is not a known setting`);
  });

  it.each([
    [{ default: '1', canary: '2' }, 'canary must be an object'],
    [{ default: '1', canary: { ...CANARY, guard: [] } }, 'canary.guard must be an object'],
    [{ default: '1', shadow: '3' }, 'shadow must be an object'],
    [{ default: '1', experiment: ['1', '2'] }, 'experiment must be an object'],
  ])('%j → %s', (raw, message) => {
    expect(refusal(raw)).toContain(message);
  });
});

describe('parseRoutingPolicy — versions', () => {
  it.each(['0', 'abc', 1.5, 0, -1, '01', '', '1.0', ' 1', true])('refuses default %j', (version) => {
    expect(refusal({ default: version })).toContain('default must be a version number');
  });

  it.each([
    [{ default: '1', canary: { version: '0', percent: 5 } }, 'canary.version'],
    [{ default: '1', canary: { percent: 5 } }, 'canary.version'],
    [{ default: '1', shadow: { version: 'abc' } }, 'shadow.version'],
    [{ default: '1', experiment: { a: 1.5, b: '2' } }, 'experiment.a'],
    [{ default: '1', experiment: { a: '1' } }, 'experiment.b'],
  ])('%j → names %s', (raw, field) => {
    expect(refusal(raw)).toContain(`${field} must be a version number`);
  });

  it('refuses a number too large to print as digits rather than naming version "1e+21"', () => {
    expect(refusal({ default: 1e21 })).toContain('default must be a version number');
  });

  it('refuses a canary of the default version', () => {
    expect(refusal({ default: '1', canary: { version: '1', percent: 5 } })).toContain('canary.version must differ from default');
    expect(refusal({ default: 1, canary: { version: '1', percent: 5 } })).toContain('canary.version must differ from default');
  });

  it('refuses an experiment of a version against itself, also when one is written as a number', () => {
    expect(refusal({ default: '1', experiment: { a: '2', b: '2' } })).toContain('experiment needs two different versions');
    expect(refusal({ default: '1', experiment: { a: 2, b: '2' } })).toContain('experiment needs two different versions');
  });
});

describe('parseRoutingPolicy — numbers out of range', () => {
  it.each([
    [{ default: '1', canary: { version: '2', percent: 101 } }, 'canary.percent must be a number in 0..100'],
    [{ default: '1', canary: { version: '2', percent: -1 } }, 'canary.percent must be a number in 0..100'],
    [{ default: '1', canary: { version: '2', percent: '5' } }, 'canary.percent must be a number in 0..100'],
    [{ default: '1', canary: { version: '2', percent: Number.NaN } }, 'canary.percent must be a number in 0..100'],
    [{ default: '1', canary: { version: '2' } }, 'canary.percent must be a number in 0..100'],
    [{ default: '1', shadow: { version: '3', percent: 100.5 } }, 'shadow.percent must be a number in 0..100'],
    [{ default: '1', experiment: { a: '1', b: '2', split: 150 } }, 'experiment.split must be a number in 0..100'],
    [{ default: '1', canary: { ...CANARY, guard: { windowSeconds: 0 } } }, 'canary.guard.windowSeconds must be a number in 1..86400'],
    [{ default: '1', canary: { ...CANARY, guard: { minRequests: 0 } } }, 'canary.guard.minRequests must be a number in 1..'],
    [{ default: '1', canary: { ...CANARY, guard: { maxErrorRateIncrease: 1.5 } } }, 'canary.guard.maxErrorRateIncrease must be a number in 0..1'],
    [{ default: '1', canary: { ...CANARY, guard: { maxP99Ratio: 0.5 } } }, 'canary.guard.maxP99Ratio must be a number in 1..'],
    [{ default: '1', canary: { ...CANARY, steps: [5, 25], holdSeconds: -1 } }, 'canary.holdSeconds must be a number in 0..'],
  ])('%j → %s', (raw, message) => {
    expect(refusal(raw)).toContain(message);
  });

  it('refuses a metric other than binary or continuous', () => {
    expect(refusal({ default: '1', experiment: { a: '1', b: '2', metric: 'ratio' } })).toContain('experiment.metric must be binary or continuous');
  });

  it.each([
    [{ default: '1', canary: { ...CANARY, stickyKey: '' } }, 'canary.stickyKey must name a request parameter'],
    [{ default: '1', experiment: { a: '1', b: '2', stickyKey: 7 } }, 'experiment.stickyKey must name a request parameter'],
  ])('%j → %s', (raw, message) => {
    expect(refusal(raw)).toContain(message);
  });
});

describe('parseRoutingPolicy — staged plan', () => {
  it.each([
    [[5, 5, 50]],
    [[50, 25, 100]],
  ])('refuses steps %j that do not increase', (steps) => {
    expect(refusal({ default: '1', canary: { version: '2', steps } })).toContain('canary.steps must increase');
  });

  it('refuses a step outside 0..100, naming its index', () => {
    expect(refusal({ default: '1', canary: { version: '2', steps: [5, 150] } })).toContain('canary.steps[1] must be a number in 0..100');
  });

  it('refuses empty steps and steps that are not an array', () => {
    expect(refusal({ default: '1', canary: { version: '2', percent: 5, steps: [] } })).toContain('canary.steps must be a non-empty array');
    expect(refusal({ default: '1', canary: { version: '2', percent: 5, steps: '5,25' } })).toContain('canary.steps must be a non-empty array');
  });

  it('refuses holdSeconds without steps', () => {
    expect(refusal({ default: '1', canary: { ...CANARY, holdSeconds: 600 } })).toContain('canary.holdSeconds needs canary.steps');
  });
});
