/**
 * Rollouts across models: routing decisions for unversioned requests, policy changes from
 * the API (validated against what is loaded, persisted to routing.json), the periodic
 * guard and staged-plan check, rollback, and experiment feedback. Routing changes are
 * in-memory switches: the next request already follows them.
 */
import { WsinferError, toErrorPayload } from '../errors.js';
import type { Logger } from '../logger.js';
import type { RolloutMetrics } from '../metrics/rollout-metrics.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { ModelRollout, type RolloutEvent, type RouteArm, type RouteDecision } from './model-rollout.js';
import { type RoutingPolicy, parseRoutingPolicy, versionsNamed } from './routing-policy.js';
import { readRouting, writeRouting } from './routing-store.js';

export interface RolloutManagerOptions {
  repositoryDir: string;
  registry: ModelRegistry;
  metrics: RolloutMetrics;
  logger: Logger;
  /** How often the guard and staged plans are checked. */
  tickIntervalMs: number;
}

export class RolloutManager {
  private readonly rollouts = new Map<string, ModelRollout>();
  /** What routing.json last held (read or written), so re-reading an unchanged file is a no-op. */
  private readonly lastStored = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RolloutManagerOptions) {}

  private rolloutOf(model: string): ModelRollout {
    let rollout = this.rollouts.get(model);
    if (!rollout) {
      rollout = new ModelRollout(model, (version) => this.options.registry.isReady(model, version));
      this.rollouts.set(model, rollout);
    }
    return rollout;
  }

  /** Read routing.json of every loaded model; a bad file is logged and ignored. */
  async loadPolicies(): Promise<void> {
    for (const model of this.options.registry.modelNames()) await this.loadPolicy(model);
  }

  async loadPolicy(model: string): Promise<void> {
    try {
      const stored = await readRouting(this.options.repositoryDir, model);
      if (!stored) return;
      const signature = JSON.stringify(stored);
      if (this.lastStored.get(model) === signature) return;
      this.lastStored.set(model, signature);
      this.rolloutOf(model).setPolicy(stored.policy, Date.now(), stored.previousDefault);
      this.options.metrics.setCanary(model, stored.policy.canary?.version, stored.policy.canary?.percent ?? 0);
      this.options.logger.info(`model '${model}': routing from routing.json (default ${stored.policy.default}${stored.policy.canary ? `, canary ${stored.policy.canary.version} at ${stored.policy.canary.percent} %` : ''})`);
    } catch (error) {
      this.options.logger.error(`model '${model}': routing.json ignored: ${toErrorPayload(error).message}`);
    }
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.options.tickIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  route(model: string, version: string | undefined, parameters: Record<string, unknown>, connectionKey: string | undefined): RouteDecision {
    const rollout = this.rollouts.get(model);
    if (!rollout) return version === undefined ? { arm: 'default' } : { version, arm: 'pinned' };
    return rollout.route(version, parameters, connectionKey);
  }

  /** After a routed request ended: feed the guard, count the route, remember experiment arms. */
  observe(model: string, requestId: string, decision: RouteDecision, servedVersion: string, latencyUs: number, failed: boolean): void {
    if (decision.arm === 'pinned') return;
    // Models without a routing policy skip all of this: it is on every request's path.
    const rollout = this.rollouts.get(model);
    if (!rollout?.policy) return;
    this.options.metrics.routedTo(model, servedVersion, decision.arm);
    rollout.observe(decision.arm, Date.now(), latencyUs, failed);
    if (!failed && (decision.arm === 'a' || decision.arm === 'b')) rollout.experiment?.assign(requestId, decision.arm);
  }

  policyOf(model: string): { policy?: RoutingPolicy; previousDefault?: string } {
    const rollout = this.rollouts.get(model);
    return { policy: rollout?.policy, previousDefault: rollout?.previousDefault };
  }

  /** Validate, check every named version is ready, switch, persist. */
  async setPolicy(model: string, raw: unknown): Promise<RoutingPolicy> {
    if (this.options.registry.versionsOf(model) === undefined) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${model}'`);
    const policy = parseRoutingPolicy(model, raw);
    const missing = versionsNamed(policy).filter((version) => !this.options.registry.isReady(model, version));
    if (missing.length > 0) {
      throw new WsinferError('ERR_CONFIG_INVALID', `routing of '${model}' names version(s) ${missing.join(', ')}, which are not loaded and ready`);
    }
    const rollout = this.rolloutOf(model);
    const previousCanary = rollout.policy?.canary?.version;
    rollout.setPolicy(policy, Date.now());
    this.options.metrics.setCanary(model, policy.canary?.version, policy.canary?.percent ?? 0, previousCanary);
    await this.persist(model);
    this.options.logger.info(`model '${model}': routing set (default ${policy.default}${policy.canary ? `, canary ${policy.canary.version} at ${policy.canary.percent} %` : ''}${policy.shadow ? `, shadow ${policy.shadow.version}` : ''}${policy.experiment ? `, experiment ${policy.experiment.a} vs ${policy.experiment.b}` : ''})`);
    return policy;
  }

  /** Drop canary and experiment now; restore the previous default if the last change promoted one. */
  async rollback(model: string): Promise<RolloutEvent & { type: 'rollback' }> {
    const rollout = this.rollouts.get(model);
    if (!rollout?.policy) throw new WsinferError('ERR_NOT_FOUND', `model '${model}' has no routing policy to roll back`);
    const event = rollout.rollback('requested through the API', Date.now()) as RolloutEvent & { type: 'rollback' };
    await this.report(model, event, 'api');
    return event;
  }

  feedback(model: string | undefined, requestId: string, value: unknown): { model: string; version: string; arm: string } {
    const candidates = model === undefined ? [...this.rollouts.entries()] : [[model, this.rollouts.get(model)] as const];
    for (const [name, rollout] of candidates) {
      const tracker = rollout?.experiment;
      if (!tracker?.has(requestId)) continue;
      const arm = tracker.feedback(requestId, value);
      const version = arm === 'a' ? tracker.policy.a : tracker.policy.b;
      this.options.metrics.feedbackReceived(name, version, arm);
      return { model: name, version, arm };
    }
    if (model !== undefined && !this.rollouts.get(model)?.experiment) {
      throw new WsinferError('ERR_FEEDBACK_UNMATCHED', `model '${model}' has no experiment running`);
    }
    throw new WsinferError('ERR_FEEDBACK_UNMATCHED', `no experiment assignment awaits feedback for request '${requestId}'`);
  }

  experimentReport(model: string): Record<string, unknown> {
    const tracker = this.rollouts.get(model)?.experiment;
    if (!tracker) throw new WsinferError('ERR_NOT_FOUND', `model '${model}' has no experiment`);
    return { model, ...tracker.report() };
  }

  status(model: string): Record<string, unknown> | undefined {
    const rollout = this.rollouts.get(model);
    const verdict = rollout?.guardVerdict(Date.now());
    return verdict ? { guard: verdict } : undefined;
  }

  /** Forget a model's routing when the model itself is unloaded. */
  forget(model: string): void {
    this.rollouts.delete(model);
    this.lastStored.delete(model);
  }

  private tick(): void {
    const nowMs = Date.now();
    for (const [model, rollout] of this.rollouts) {
      const event = rollout.tick(nowMs);
      if (event) void this.report(model, event, 'guard');
    }
  }

  private async report(model: string, event: RolloutEvent, trigger: 'api' | 'guard'): Promise<void> {
    const { logger, metrics } = this.options;
    const policy = this.rollouts.get(model)?.policy;
    switch (event.type) {
      case 'rollback':
        metrics.rolledBack(model, trigger);
        metrics.setCanary(model, undefined, 0, event.droppedCanary);
        logger.warn(`model '${model}': rolled back (${event.reason})${event.droppedCanary ? `; canary ${event.droppedCanary} dropped` : ''}${event.restoredDefault ? `; default restored to ${event.restoredDefault}` : ''}; all unversioned traffic on version ${policy?.default}`);
        break;
      case 'advance':
        metrics.setCanary(model, event.version, event.percent);
        logger.info(`model '${model}': canary ${event.version} advanced to ${event.percent} % (guard holding)`);
        break;
      case 'promote':
        metrics.promoted(model, event.version);
        metrics.setCanary(model, undefined, 0, event.version);
        logger.info(`model '${model}': canary ${event.version} promoted to default (was ${event.previousDefault})`);
        break;
    }
    await this.persist(model);
  }

  private async persist(model: string): Promise<void> {
    const rollout = this.rollouts.get(model);
    if (!rollout?.policy) return;
    try {
      const stored = { policy: rollout.policy, ...(rollout.previousDefault ? { previousDefault: rollout.previousDefault } : {}) };
      this.lastStored.set(model, JSON.stringify(stored));
      await writeRouting(this.options.repositoryDir, model, stored);
    } catch (error) {
      this.options.logger.error(`model '${model}': routing.json not written: ${toErrorPayload(error).message}`);
    }
  }
}

export type { RouteArm, RouteDecision };
