/**
 * Where ModelRollout sends a request: a named version always wins, then the canary's
 * share, then the experiment's split, then the default; the same user or connection keeps
 * its side; unready versions pass their share on; the shadow copy never duplicates the
 * version that answered; only canary and default traffic feeds the guard.
 */
import { describe, expect, it } from 'vitest';
import { ModelRollout, type RouteDecision } from '../../../src/rollout/model-rollout.js';
import { parseRoutingPolicy } from '../../../src/rollout/routing-policy.js';

const NOW_MS = 1_000_000;

function rolloutOf(raw: unknown, ready: readonly string[] = ['1', '2', '3'], random: () => number = Math.random): ModelRollout {
  const readySet = new Set(ready);
  const rollout = new ModelRollout('fraud', (version) => readySet.has(version), random);
  rollout.setPolicy(parseRoutingPolicy('fraud', raw), NOW_MS);
  return rollout;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Share of each arm over `count` connections. */
function armShares(rollout: ModelRollout, count: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    const { arm } = rollout.route(undefined, {}, `conn-${i}`);
    counts[arm] = (counts[arm] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([arm, n]) => [arm, n / count]));
}

describe('ModelRollout.route — precedence', () => {
  it('answers a request that names a version with that version, whatever the policy', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 100 }, shadow: { version: '3' } });
    expect(rollout.route('3', { user: 'alice' }, 'conn-1')).toEqual({ version: '3', arm: 'pinned' });
    expect(rollout.route('1', {}, undefined)).toEqual({ version: '1', arm: 'pinned' });
  });

  it('leaves the version open when the model has no policy', () => {
    const rollout = new ModelRollout('fraud', () => true);
    expect(rollout.route(undefined, {}, 'conn-1')).toEqual({ arm: 'default' });
    expect(rollout.route('2', {}, 'conn-1')).toEqual({ version: '2', arm: 'pinned' });
  });

  it('sends everything to the default when the policy has only a default', () => {
    expect(armShares(rolloutOf({ default: '1' }), 500)).toEqual({ default: 1 });
    expect(rolloutOf({ default: '1' }).route(undefined, {}, 'conn-1')).toEqual({ version: '1', arm: 'default' });
  });

  it('sends everything to a 100 % canary, before any experiment', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 100 }, experiment: { a: '1', b: '3' } });
    expect(armShares(rollout, 500)).toEqual({ canary: 1 });
    expect(rollout.route(undefined, {}, 'conn-1')).toEqual({ version: '2', arm: 'canary' });
  });

  it('gives the canary its percent, splits the rest between the arms, and leaves nothing to the default', () => {
    const shares = armShares(rolloutOf({ default: '1', canary: { version: '3', percent: 30 }, experiment: { a: '1', b: '2', split: 50 } }), 4000);
    expect(shares.canary).toBeGreaterThan(0.27);
    expect(shares.canary).toBeLessThan(0.33);
    expect(shares.a).toBeGreaterThan(0.32);
    expect(shares.b).toBeGreaterThan(0.32);
    expect(shares.default).toBeUndefined();
  });

  it('routes experiment arms to their versions, following the split', () => {
    const allA = rolloutOf({ default: '3', experiment: { a: '1', b: '2', split: 100 } });
    expect(allA.route(undefined, {}, 'conn-1')).toEqual({ version: '1', arm: 'a' });
    expect(armShares(allA, 500)).toEqual({ a: 1 });
    const allB = rolloutOf({ default: '3', experiment: { a: '1', b: '2', split: 0 } });
    expect(allB.route(undefined, {}, 'conn-1')).toEqual({ version: '2', arm: 'b' });
    const shares = armShares(rolloutOf({ default: '3', experiment: { a: '1', b: '2', split: 20 } }), 4000);
    expect(shares.a).toBeGreaterThan(0.17);
    expect(shares.a).toBeLessThan(0.23);
  });

  it('sends a 0 % canary nothing', () => {
    expect(armShares(rolloutOf({ default: '1', canary: { version: '2', percent: 0 } }), 500)).toEqual({ default: 1 });
  });
});

describe('ModelRollout.route — sticky assignment', () => {
  it('keeps a user on one side by the sticky parameter, whichever connection the request comes on', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 50, stickyKey: 'user' } });
    const sides = new Set<string>();
    for (let user = 0; user < 200; user++) {
      const first = rollout.route(undefined, { user: `u${user}` }, 'conn-a');
      for (const connection of ['conn-b', 'conn-c', undefined]) {
        expect(rollout.route(undefined, { user: `u${user}` }, connection)).toEqual(first);
      }
      sides.add(first.arm);
    }
    expect([...sides].sort()).toEqual(['canary', 'default']);
  });

  it('treats a numeric sticky parameter like its digits', () => {
    const rollout = rolloutOf({ default: '1', experiment: { a: '1', b: '2', stickyKey: 'user' } });
    for (let user = 0; user < 100; user++) {
      expect(rollout.route(undefined, { user }, 'x')).toEqual(rollout.route(undefined, { user: String(user) }, 'y'));
    }
  });

  it('keeps a connection on one side when there is no sticky key, whatever its parameters', () => {
    const rollout = rolloutOf({ default: '1', experiment: { a: '1', b: '2' } });
    const arms = new Set<string>();
    for (let connection = 0; connection < 200; connection++) {
      const first = rollout.route(undefined, { user: 'alice' }, `conn-${connection}`);
      for (const user of ['bob', 'carol']) expect(rollout.route(undefined, { user }, `conn-${connection}`)).toEqual(first);
      arms.add(first.arm);
    }
    expect([...arms].sort()).toEqual(['a', 'b']);
  });

  it('falls back to the connection when the sticky parameter is missing or not a string or number', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 50, stickyKey: 'user' } });
    for (let connection = 0; connection < 100; connection++) {
      const key = `conn-${connection}`;
      const first = rollout.route(undefined, {}, key);
      expect(rollout.route(undefined, { user: { id: 1 } }, key)).toEqual(first);
      expect(rollout.route(undefined, { session: 'x' }, key)).toEqual(first);
    }
  });

  it('assigns requests with no key at all by the injected random source, in proportion', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 20 } }, ['1', '2'], seededRandom(7));
    let canary = 0;
    for (let i = 0; i < 4000; i++) if (rollout.route(undefined, {}, undefined).arm === 'canary') canary++;
    expect(canary / 4000).toBeGreaterThan(0.17);
    expect(canary / 4000).toBeLessThan(0.23);
  });
});

describe('ModelRollout.route — versions that are not ready', () => {
  it('passes an unready canary\'s share to the experiment', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '3', percent: 100 }, experiment: { a: '1', b: '2', split: 100 } }, ['1', '2']);
    expect(rollout.route(undefined, {}, 'conn-1')).toEqual({ version: '1', arm: 'a' });
  });

  it('passes an unready canary\'s share to the default', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 100 } }, ['1']);
    expect(armShares(rollout, 200)).toEqual({ default: 1 });
  });

  it('passes the experiment\'s share to the default when either arm is not ready', () => {
    expect(armShares(rolloutOf({ default: '3', experiment: { a: '1', b: '2' } }, ['1', '3']), 200)).toEqual({ default: 1 });
    expect(armShares(rolloutOf({ default: '3', experiment: { a: '1', b: '2' } }, ['2', '3']), 200)).toEqual({ default: 1 });
  });

  it('leaves the version open (the highest ready one) when the default is not ready', () => {
    const decision = rolloutOf({ default: '1' }, ['2', '3']).route(undefined, {}, 'conn-1');
    expect(decision.arm).toBe('default');
    expect(decision.version).toBeUndefined();
  });

  it('follows readiness as it changes, request by request', () => {
    const ready = new Set(['1']);
    const rollout = new ModelRollout('fraud', (version) => ready.has(version));
    rollout.setPolicy(parseRoutingPolicy('fraud', { default: '1', canary: { version: '2', percent: 100 } }), NOW_MS);
    expect(rollout.route(undefined, {}, 'c').arm).toBe('default');
    ready.add('2');
    expect(rollout.route(undefined, {}, 'c')).toEqual({ version: '2', arm: 'canary' });
  });
});

describe('ModelRollout.route — shadow', () => {
  it('copies a request when the injected random falls under the shadow percent', () => {
    const raw = (percent: number) => ({ default: '1', shadow: { version: '3', percent } });
    expect(rolloutOf(raw(26), ['1', '3'], () => 0.25).route(undefined, {}, 'c')).toEqual({ version: '1', arm: 'default', shadowVersion: '3' });
    expect(rolloutOf(raw(25), ['1', '3'], () => 0.25).route(undefined, {}, 'c')).toEqual({ version: '1', arm: 'default' });
    expect(rolloutOf(raw(100), ['1', '3'], () => 0.999).route(undefined, {}, 'c').shadowVersion).toBe('3');
    expect(rolloutOf(raw(0), ['1', '3'], () => 0).route(undefined, {}, 'c').shadowVersion).toBeUndefined();
  });

  it('copies about the shadow percent of requests', () => {
    const rollout = rolloutOf({ default: '1', shadow: { version: '3', percent: 10 } }, ['1', '3'], seededRandom(11));
    let copied = 0;
    for (let i = 0; i < 4000; i++) if (rollout.route(undefined, {}, `conn-${i}`).shadowVersion === '3') copied++;
    expect(copied / 4000).toBeGreaterThan(0.08);
    expect(copied / 4000).toBeLessThan(0.12);
  });

  it('never copies a request to the version that answers it', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 50 }, shadow: { version: '2' } });
    const decisions: RouteDecision[] = [];
    for (let i = 0; i < 400; i++) decisions.push(rollout.route(undefined, {}, `conn-${i}`));
    for (const decision of decisions) expect(decision.shadowVersion).toBe(decision.arm === 'canary' ? undefined : '2');
    expect(decisions.some((decision) => decision.arm === 'canary')).toBe(true);
    expect(decisions.some((decision) => decision.arm === 'default')).toBe(true);
  });

  it('never copies to an experiment arm the request was routed to', () => {
    const rollout = rolloutOf({ default: '3', experiment: { a: '1', b: '2' }, shadow: { version: '2' } });
    for (let i = 0; i < 200; i++) {
      const decision = rollout.route(undefined, {}, `conn-${i}`);
      expect(decision.shadowVersion).toBe(decision.version === '2' ? undefined : '2');
    }
  });

  it('does not copy to a shadow that is not ready, nor requests that name a version', () => {
    expect(rolloutOf({ default: '1', shadow: { version: '3' } }, ['1']).route(undefined, {}, 'c')).toEqual({ version: '1', arm: 'default' });
    expect(rolloutOf({ default: '1', shadow: { version: '3' } }).route('2', {}, 'c')).toEqual({ version: '2', arm: 'pinned' });
  });
});

describe('ModelRollout.observe — what feeds the guard', () => {
  it('counts canary and default outcomes and ignores experiment arms and pinned requests', () => {
    const rollout = rolloutOf({ default: '1', canary: { version: '2', percent: 10 } });
    for (let i = 0; i < 5; i++) rollout.observe('canary', NOW_MS, 1000, true);
    for (let i = 0; i < 7; i++) rollout.observe('default', NOW_MS, 1000, false);
    for (const arm of ['a', 'b', 'pinned'] as const) for (let i = 0; i < 100; i++) rollout.observe(arm, NOW_MS, 1000, true);
    const verdict = rollout.guardVerdict(NOW_MS)!;
    expect(verdict.canary).toEqual({ requests: 5, errorRate: 1, p99Us: 1000 });
    expect(verdict.baseline).toEqual({ requests: 7, errorRate: 0, p99Us: 1000 });
  });

  it('has no guard verdict without a canary', () => {
    expect(rolloutOf({ default: '1' }).guardVerdict(NOW_MS)).toBeUndefined();
  });
});
