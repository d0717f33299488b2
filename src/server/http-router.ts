/**
 * HTTP on the WebSocket's port: the Open Inference Protocol (KServe v2) endpoints, the
 * repository index, per-model stats and GET /metrics. Inference goes through the same
 * InferenceService — and so the same batchers — as WebSocket requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ErrorCode, WsinferError } from '../errors.js';
import { decodeOipInfer } from '../protocol/infer-request.js';
import { encodeOipResult } from '../protocol/infer-response.js';
import type { ModelHandle } from '../registry/model-handle.js';
import type { InferenceService } from './inference-service.js';
import { modelMetadata, serverMetadata } from './model-metadata.js';
import type { ServerOptions } from './server-options.js';
import { MODEL_PATH as MODEL, type Params, type Route, readJson, sendError, sendJson } from './http-io.js';

export class HttpRouter {
  private readonly routes: Route[];
  private requestCounter = 0;

  constructor(
    private readonly service: InferenceService,
    private readonly options: Readonly<ServerOptions>,
    private readonly isAccepting: () => boolean,
    /** Routes of other concerns (model control, rollouts), tried before model metadata. */
    extraRoutes: Route[] = [],
  ) {
    const registry = service.registry;
    this.routes = [
      ...extraRoutes,
      { method: 'GET', pattern: /^\/v2\/?$/, handler: (_q, res) => sendJson(res, 200, serverMetadata()) },
      { method: 'GET', pattern: /^\/v2\/health\/live$/, handler: (_q, res) => sendJson(res, 200, { live: true }) },
      {
        method: 'GET', pattern: /^\/v2\/health\/ready$/, handler: (_q, res) => {
          const ready = this.isAccepting() && registry.allReady();
          sendJson(res, ready ? 200 : 503, { ready });
        },
      },
      { method: 'POST', pattern: /^\/v2\/repository\/index$/, handler: (_q, res) => sendJson(res, 200, registry.entries().map(({ name, version, state, reason }) => ({ name, version, state, ...(reason ? { reason } : {}) }))) },
      { method: 'GET', pattern: /^\/metrics$/, handler: (_q, res) => this.metrics(res) },
      { method: 'GET', pattern: new RegExp(`^${MODEL}/ready$`), handler: (_q, res, p) => this.modelReady(res, p) },
      { method: 'GET', pattern: new RegExp(`^${MODEL}/stats$`), handler: (_q, res, p) => this.stats(res, p) },
      { method: 'POST', pattern: new RegExp(`^${MODEL}/infer$`), handler: (req, res, p) => this.infer(req, res, p) },
      { method: 'GET', pattern: new RegExp(`^${MODEL}/?$`), handler: (_q, res, p) => sendJson(res, 200, modelMetadata(this.resolveAny(p), registry.versionsOf(p.model!)!)) },
    ];
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      let pathMatched = false;
      for (const route of this.routes) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        pathMatched = true;
        if (route.method !== req.method) continue;
        const groups = match.groups ?? {};
        const params: Params = {
          model: groups.model === undefined ? undefined : decodeURIComponent(groups.model),
          version: groups.version === undefined ? undefined : decodeURIComponent(groups.version),
        };
        await route.handler(req, res, params);
        return;
      }
      const code: ErrorCode = pathMatched ? 'ERR_METHOD_NOT_ALLOWED' : 'ERR_NOT_FOUND';
      throw new WsinferError(code, pathMatched ? `${req.method} is not allowed on ${path}` : `no endpoint ${path}`);
    } catch (error) {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    }
  }

  /** The entry of a model version for metadata, whether or not it is ready. */
  private resolveAny(params: Params): ModelHandle | undefined {
    const versions = this.service.registry.versionsOf(params.model!);
    if (!versions) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${params.model}'`);
    if (params.version !== undefined) {
      const entry = versions.find((v) => v.version === params.version);
      if (!entry) throw new WsinferError('ERR_MODEL_NOT_FOUND', `model '${params.model}' has no version ${params.version}`);
      return entry.handle;
    }
    return [...versions].reverse().find((v) => v.handle)?.handle;
  }

  private modelReady(res: ServerResponse, params: Params): void {
    let ready = false;
    try {
      this.service.registry.resolve(params.model!, params.version);
      ready = this.isAccepting();
    } catch (error) {
      if ((error as WsinferError).code === 'ERR_MODEL_NOT_FOUND') throw error;
    }
    sendJson(res, ready ? 200 : 503, { name: params.model, ...(params.version ? { version: params.version } : {}), ready });
  }

  private stats(res: ServerResponse, params: Params): void {
    const versions = this.service.registry.versionsOf(params.model!);
    if (!versions) throw new WsinferError('ERR_MODEL_NOT_FOUND', `unknown model '${params.model}'`);
    const selected = params.version === undefined ? versions : versions.filter((v) => v.version === params.version);
    if (selected.length === 0) throw new WsinferError('ERR_MODEL_NOT_FOUND', `model '${params.model}' has no version ${params.version}`);
    sendJson(res, 200, {
      model_stats: selected.map((entry) => ({
        ...this.service.metrics.stats(entry.name, entry.version),
        state: entry.state,
        queued: entry.handle?.queued ?? 0,
        placement: entry.handle?.placements ?? [],
      })),
    });
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const registry = this.service.metrics.registry;
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(text);
  }

  private async infer(req: IncomingMessage, res: ServerResponse, params: Params): Promise<void> {
    const parsed = await readJson(req, this.options.maxPayloadBytes);
    const request = decodeOipInfer(parsed, params.model!, params.version, `http-${++this.requestCounter}`);
    const result = await this.service.infer(request);
    sendJson(res, 200, encodeOipResult(result));
  }
}
