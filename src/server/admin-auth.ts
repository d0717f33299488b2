/**
 * Who may call the admin endpoints (model load/unload, routing changes, rollback). With a
 * token set, every admin call needs `Authorization: Bearer <token>`. Without one, the
 * admin API answers only on a loopback address — a server bound to a public address
 * without a token must not let anyone on the network swap its models.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WsinferError } from '../errors.js';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class AdminGate {
  constructor(
    private readonly token: string | undefined,
    private readonly host: string,
  ) {}

  get enabled(): boolean {
    return this.token !== undefined || isLoopbackHost(this.host);
  }

  /** Throws ERR_FORBIDDEN (admin off) or ERR_UNAUTHORIZED (token missing or wrong). */
  check(req: IncomingMessage): void {
    if (this.token === undefined) {
      if (isLoopbackHost(this.host)) return;
      throw new WsinferError('ERR_FORBIDDEN', `the admin API is off on ${this.host}: start with --admin-token (or WSINFER_ADMIN_TOKEN) to enable it`);
    }
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !sameSecret(match[1]!.trim(), this.token)) {
      throw new WsinferError('ERR_UNAUTHORIZED', 'admin endpoints need Authorization: Bearer <token>');
    }
  }
}
