/**
 * One model's rollout state: its routing policy, where each unversioned request goes
 * (canary share, then A/B split, then default), the guard's windows, the staged plan's
 * clock, and what rollback restores. Pure state: persistence, timers, logs and metrics
 * belong to the RolloutManager.
 */
import { type GuardVerdict, OutcomeWindow, evaluateGuard } from './canary-guard.js';
import { type Arm, ExperimentTracker } from './experiment-tracker.js';
import type { RoutingPolicy } from './routing-policy.js';
import { stickyPercentile } from './sticky-bucket.js';

export type RouteArm = 'pinned' | 'default' | 'canary' | Arm;

export interface RouteDecision {
  /** undefined → the highest ready version. */
  version?: string;
  arm: RouteArm;
  /** Mirror a copy of the request to this version after the primary answers. */
  shadowVersion?: string;
}

export type RolloutEvent =
  | { type: 'rollback'; reason: string; restoredDefault?: string; droppedCanary?: string }
  | { type: 'advance'; version: string; percent: number }
  | { type: 'promote'; version: string; previousDefault: string };

export class ModelRollout {
  private current: RoutingPolicy | undefined;
  private previous: string | undefined;
  private readonly canaryWindow = new OutcomeWindow();
  private readonly baselineWindow = new OutcomeWindow();
  private stageStartedMs = 0;
  private tracker: ExperimentTracker | undefined;

  constructor(
    readonly model: string,
    private readonly isReady: (version: string) => boolean,
    private readonly random: () => number = Math.random,
  ) {}

  get policy(): RoutingPolicy | undefined {
    return this.current;
  }

  /** The default before the last promotion, while that promotion is the last change. */
  get previousDefault(): string | undefined {
    return this.previous;
  }

  get experiment(): ExperimentTracker | undefined {
    return this.tracker;
  }

  /** Replace the policy. A new default counts as a promotion that rollback can undo. */
  setPolicy(policy: RoutingPolicy | undefined, nowMs: number, restoredPrevious?: string): void {
    const before = this.current;
    this.previous = restoredPrevious ?? (before && policy && before.default !== policy.default ? before.default : undefined);
    if (policy?.canary?.version !== before?.canary?.version || policy?.default !== before?.default) {
      this.canaryWindow.clear();
      this.baselineWindow.clear();
    }
    if (policy?.canary && (policy.canary.percent !== before?.canary?.percent || policy.canary.version !== before?.canary?.version)) {
      this.stageStartedMs = nowMs;
    }
    if (!policy?.experiment) this.tracker = undefined;
    else if (this.tracker?.sameExperiment(policy.experiment)) this.tracker.updatePolicy(policy.experiment);
    else this.tracker = new ExperimentTracker(policy.experiment);
    this.current = policy;
  }

  route(version: string | undefined, parameters: Record<string, unknown>, connectionKey: string | undefined): RouteDecision {
    if (version !== undefined) return { version, arm: 'pinned' };
    const policy = this.current;
    if (!policy) return { arm: 'default' };
    const decision = this.primary(policy, parameters, connectionKey);
    const shadow = policy.shadow;
    if (shadow && shadow.version !== decision.version && this.isReady(shadow.version) && this.random() * 100 < shadow.percent) {
      decision.shadowVersion = shadow.version;
    }
    return decision;
  }

  private primary(policy: RoutingPolicy, parameters: Record<string, unknown>, connectionKey: string | undefined): RouteDecision {
    const keyFor = (stickyKey: string | undefined): string => {
      const value = stickyKey === undefined ? undefined : parameters[stickyKey];
      if (typeof value === 'string' || typeof value === 'number') return String(value);
      return connectionKey ?? String(this.random());
    };
    const { canary, experiment } = policy;
    if (canary && canary.percent > 0 && this.isReady(canary.version) &&
      stickyPercentile(`${this.model}:canary`, keyFor(canary.stickyKey)) < canary.percent) {
      return { version: canary.version, arm: 'canary' };
    }
    if (experiment && this.isReady(experiment.a) && this.isReady(experiment.b)) {
      const arm: Arm = stickyPercentile(`${this.model}:experiment`, keyFor(experiment.stickyKey)) < experiment.split ? 'a' : 'b';
      return { version: arm === 'a' ? experiment.a : experiment.b, arm };
    }
    return { version: this.isReady(policy.default) ? policy.default : undefined, arm: 'default' };
  }

  /** Feed the guard: only routed default and canary traffic is compared. */
  observe(arm: RouteArm, atMs: number, latencyUs: number, failed: boolean): void {
    if (arm === 'canary') this.canaryWindow.record(atMs, latencyUs, failed);
    else if (arm === 'default') this.baselineWindow.record(atMs, latencyUs, failed);
  }

  guardVerdict(nowMs: number): GuardVerdict | undefined {
    const canary = this.current?.canary;
    return canary ? evaluateGuard(canary.guard, this.canaryWindow, this.baselineWindow, nowMs) : undefined;
  }

  /** Check the guard and the staged plan; returns what changed, if anything. */
  tick(nowMs: number): RolloutEvent | undefined {
    const policy = this.current;
    const canary = policy?.canary;
    if (!policy || !canary) return undefined;
    const verdict = this.guardVerdict(nowMs)!;
    if (verdict.breached) return this.rollback(`guard: ${verdict.reason}`, nowMs);
    if (!canary.steps || !verdict.judged || nowMs - this.stageStartedMs < (canary.holdSeconds ?? 0) * 1000) return undefined;
    const next = canary.steps.find((step) => step > canary.percent);
    if (next !== undefined && next < 100) {
      this.setPolicy({ ...policy, canary: { ...canary, percent: next } }, nowMs);
      return { type: 'advance', version: canary.version, percent: next };
    }
    const promoted: RoutingPolicy = { ...policy, default: canary.version };
    delete promoted.canary;
    this.setPolicy(promoted, nowMs);
    return { type: 'promote', version: canary.version, previousDefault: policy.default };
  }

  /** Drop canary and experiment; restore the previous default if the last change promoted one. */
  rollback(reason: string, nowMs: number): RolloutEvent {
    const policy = this.current;
    const restoredDefault = this.previous;
    const droppedCanary = policy?.canary?.version;
    if (policy) {
      const next: RoutingPolicy = { ...policy, default: restoredDefault ?? policy.default };
      delete next.canary;
      delete next.experiment;
      this.setPolicy(next, nowMs);
      this.previous = undefined;
    }
    return { type: 'rollback', reason, ...(restoredDefault ? { restoredDefault } : {}), ...(droppedCanary ? { droppedCanary } : {}) };
  }
}
