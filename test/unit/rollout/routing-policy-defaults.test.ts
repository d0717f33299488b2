/**
 * What a routing policy means once parsed: the defaults a user did not have to write
 * (guard, shadow share, experiment split and metric, the staged plan's start and hold),
 * version numbers as strings, and the versions a policy needs loaded.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARD, parseRoutingPolicy, versionsNamed } from '../../../src/rollout/routing-policy.js';

describe('parseRoutingPolicy — defaults', () => {
  it('keeps a policy with only a default as just that', () => {
    expect(parseRoutingPolicy('fraud', { default: '1' })).toEqual({ default: '1' });
  });

  it('gives a canary the documented guard: 60 s window, 50 requests, +1 point of errors, ×1.5 p99', () => {
    const policy = parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 5 } });
    expect(policy.canary).toEqual({
      version: '2',
      percent: 5,
      guard: { windowSeconds: 60, minRequests: 50, maxErrorRateIncrease: 0.01, maxP99Ratio: 1.5, minP99IncreaseUs: 1000 },
    });
    expect(DEFAULT_GUARD).toEqual(policy.canary!.guard);
  });

  it('fills the guard fields left out and keeps the ones given', () => {
    const policy = parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 5, guard: { minRequests: 200, maxP99Ratio: 2 } } });
    expect(policy.canary!.guard).toEqual({ windowSeconds: 60, minRequests: 200, maxErrorRateIncrease: 0.01, maxP99Ratio: 2, minP99IncreaseUs: 1000 });
  });

  it('starts a staged plan at its first step and holds each step 300 s unless told otherwise', () => {
    const policy = parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', steps: [5, 25, 50, 100] } });
    expect(policy.canary).toMatchObject({ percent: 5, steps: [5, 25, 50, 100], holdSeconds: 300 });
  });

  it('keeps an explicit starting percent and hold time alongside steps', () => {
    const policy = parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 10, steps: [10, 50, 100], holdSeconds: 600 } });
    expect(policy.canary).toMatchObject({ percent: 10, steps: [10, 50, 100], holdSeconds: 600 });
  });

  it('has no staged plan fields when no steps are given', () => {
    const canary = parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 5 } }).canary!;
    expect(canary).not.toHaveProperty('steps');
    expect(canary).not.toHaveProperty('holdSeconds');
  });

  it('copies every unversioned request to the shadow unless a percent is given', () => {
    expect(parseRoutingPolicy('fraud', { default: '1', shadow: { version: '3' } }).shadow).toEqual({ version: '3', percent: 100 });
    expect(parseRoutingPolicy('fraud', { default: '1', shadow: { version: '3', percent: 10 } }).shadow).toEqual({ version: '3', percent: 10 });
  });

  it('splits an experiment 50/50 on a binary metric unless told otherwise', () => {
    expect(parseRoutingPolicy('fraud', { default: '1', experiment: { a: '1', b: '2' } }).experiment).toEqual({ a: '1', b: '2', split: 50, metric: 'binary' });
    expect(parseRoutingPolicy('fraud', { default: '1', experiment: { a: '1', b: '2', split: 20, metric: 'continuous', stickyKey: 'user' } }).experiment)
      .toEqual({ a: '1', b: '2', split: 20, metric: 'continuous', stickyKey: 'user' });
  });

  it('keeps a sticky key on the canary', () => {
    expect(parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 5, stickyKey: 'user' } }).canary!.stickyKey).toBe('user');
  });

  it('turns version numbers given as JSON numbers into the strings versions are named by', () => {
    const policy = parseRoutingPolicy('fraud', {
      default: 1,
      canary: { version: 2, percent: 5 },
      shadow: { version: 3 },
      experiment: { a: 1, b: 12 },
    });
    expect(policy.default).toBe('1');
    expect(policy.canary!.version).toBe('2');
    expect(policy.shadow!.version).toBe('3');
    expect(policy.experiment).toMatchObject({ a: '1', b: '12' });
  });

  it('reads null canary, shadow and experiment as absent', () => {
    expect(parseRoutingPolicy('fraud', { default: '1', canary: null, shadow: null, experiment: null })).toEqual({ default: '1' });
  });

  it('accepts the previousDefault that routing.json carries next to the policy, without making it part of the policy', () => {
    expect(parseRoutingPolicy('fraud', { default: '2', previousDefault: '1' })).toEqual({ default: '2' });
  });
});

describe('versionsNamed', () => {
  it('lists the default alone when nothing else is routed', () => {
    expect(versionsNamed({ default: '4' })).toEqual(['4']);
  });

  it('lists each version the policy routes to once: default, canary, shadow, experiment arms', () => {
    const policy = parseRoutingPolicy('fraud', {
      default: '1',
      canary: { version: '2', percent: 5 },
      shadow: { version: '3' },
      experiment: { a: '1', b: '4' },
    });
    expect(versionsNamed(policy)).toEqual(['1', '2', '3', '4']);
  });
});
