/**
 * Model control (Triton's repository extension) and rollout endpoints:
 *   POST /v2/repository/models/{m}/load | unload       (admin, explicit control mode)
 *   GET  /v2/models/{m}/routing   PUT (admin)           routing policy
 *   POST /v2/models/{m}/rollback                        (admin)
 *   POST /v2/models/{m}/feedback  GET /v2/models/{m}/experiment
 */
import { WsinferError } from '../errors.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { RolloutManager } from '../rollout/rollout-manager.js';
import type { AdminGate } from './admin-auth.js';
import { MODEL_ONLY_PATH, type Route, readJson, sendJson } from './http-io.js';

export type ModelControlMode = 'none' | 'poll' | 'explicit';

export interface AdminRouteContext {
  registry: ModelRegistry;
  rollouts: RolloutManager;
  gate: AdminGate;
  modelControl: ModelControlMode;
  maxPayloadBytes: number;
}

const REPOSITORY_MODEL = '/v2/repository/models/(?<model>[^/]+)';

function requireExplicit(mode: ModelControlMode, action: string): void {
  if (mode !== 'explicit') {
    throw new WsinferError('ERR_MODEL_CONTROL_MODE', `cannot ${action} models in model control mode '${mode}'; start with --model-control explicit`);
  }
}

export function adminRoutes(ctx: AdminRouteContext): Route[] {
  const { registry, rollouts, gate } = ctx;
  return [
    {
      method: 'POST', pattern: new RegExp(`^${REPOSITORY_MODEL}/load$`), handler: async (req, res, { model }) => {
        gate.check(req);
        requireExplicit(ctx.modelControl, 'load');
        await registry.loadModel(model!);
        await rollouts.loadPolicy(model!);
        const versions = registry.versionsOf(model!) ?? [];
        if (!versions.some((v) => v.state === 'ready')) {
          throw new WsinferError('ERR_MODEL_LOAD_FAILED', `model '${model}' has no ready version: ${versions.map((v) => `${v.version}: ${v.reason ?? v.state}`).join('; ')}`);
        }
        sendJson(res, 200, { name: model, versions: versions.map(({ version, state, reason }) => ({ version, state, ...(reason ? { reason } : {}) })) });
      },
    },
    {
      method: 'POST', pattern: new RegExp(`^${REPOSITORY_MODEL}/unload$`), handler: async (req, res, { model }) => {
        gate.check(req);
        requireExplicit(ctx.modelControl, 'unload');
        await registry.unloadModel(model!);
        rollouts.forget(model!);
        sendJson(res, 200, { name: model, unloaded: true });
      },
    },
    {
      method: 'GET', pattern: new RegExp(`^${MODEL_ONLY_PATH}/routing$`), handler: (_req, res, { model }) => {
        if (!registry.versionsOf(model!)) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${model}'`);
        const { policy, previousDefault } = rollouts.policyOf(model!);
        sendJson(res, 200, { model, policy: policy ?? null, ...(previousDefault ? { previousDefault } : {}), ...(rollouts.status(model!) ?? {}) });
      },
    },
    {
      method: 'PUT', pattern: new RegExp(`^${MODEL_ONLY_PATH}/routing$`), handler: async (req, res, { model }) => {
        gate.check(req);
        const policy = await rollouts.setPolicy(model!, await readJson(req, ctx.maxPayloadBytes));
        sendJson(res, 200, { model, policy, ...(rollouts.policyOf(model!).previousDefault ? { previousDefault: rollouts.policyOf(model!).previousDefault } : {}) });
      },
    },
    {
      method: 'POST', pattern: new RegExp(`^${MODEL_ONLY_PATH}/rollback$`), handler: async (req, res, { model }) => {
        gate.check(req);
        const event = await rollouts.rollback(model!);
        sendJson(res, 200, { model, ...event, policy: rollouts.policyOf(model!).policy ?? null });
      },
    },
    {
      method: 'POST', pattern: new RegExp(`^${MODEL_ONLY_PATH}/feedback$`), handler: async (req, res, { model }) => {
        const body = await readJson(req, ctx.maxPayloadBytes) as { id?: unknown; value?: unknown };
        if (typeof body.id !== 'string' && typeof body.id !== 'number') throw new WsinferError('ERR_PROTO_MALFORMED', 'feedback needs the request id');
        sendJson(res, 200, rollouts.feedback(model!, String(body.id), body.value));
      },
    },
    {
      method: 'GET', pattern: new RegExp(`^${MODEL_ONLY_PATH}/experiment$`), handler: (_req, res, { model }) => {
        sendJson(res, 200, rollouts.experimentReport(model!));
      },
    },
  ];
}
