/**
 * Who may call the admin endpoints: with a token, only requests bearing exactly that token
 * (401 ERR_UNAUTHORIZED otherwise); without one, anyone on a loopback-bound server and
 * nobody elsewhere (403 ERR_FORBIDDEN).
 */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AdminGate, isLoopbackHost } from '../../../src/server/admin-auth.js';
import { thrownBy } from '../thrown-error.js';

const TOKEN = 's3cret-token';

/** A request as the gate sees it: only its headers matter. */
function requestWith(authorization?: string): IncomingMessage {
  const headers = authorization === undefined ? {} : { authorization };
  return { headers } as unknown as IncomingMessage;
}

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', 'localhost'])('counts %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(['0.0.0.0', '10.0.0.1', '::', '192.168.1.10', '128.0.0.1', '127.0.0', 'localhost.example.com', '127.0.0.1.example.com'])(
    'does not count %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('AdminGate without a token', () => {
  it.each(['127.0.0.1', '::1', 'localhost'])('lets every admin call through on %s', (host) => {
    const gate = new AdminGate(undefined, host);
    expect(gate.enabled).toBe(true);
    expect(() => gate.check(requestWith())).not.toThrow();
    expect(() => gate.check(requestWith('Bearer anything'))).not.toThrow();
  });

  it.each(['0.0.0.0', '10.0.0.1'])('refuses every admin call on %s with 403 ERR_FORBIDDEN, even one bearing a token', (host) => {
    const gate = new AdminGate(undefined, host);
    expect(gate.enabled).toBe(false);
    for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
      const error = thrownBy(() => gate.check(requestWith(authorization)));
      expect(error.code).toBe('ERR_FORBIDDEN');
      expect(error.httpStatus).toBe(403);
      expect(error.message).toContain(`the admin API is off on ${host}`);
    }
  });
});

describe('AdminGate with a token', () => {
  it.each(['0.0.0.0', '127.0.0.1'])('is enabled on %s and lets the exact token through', (host) => {
    const gate = new AdminGate(TOKEN, host);
    expect(gate.enabled).toBe(true);
    expect(() => gate.check(requestWith(`Bearer ${TOKEN}`))).not.toThrow();
  });

  it('takes the Bearer scheme in any letter case, as HTTP auth schemes are case-insensitive', () => {
    const gate = new AdminGate(TOKEN, '0.0.0.0');
    expect(() => gate.check(requestWith(`bearer ${TOKEN}`))).not.toThrow();
    expect(() => gate.check(requestWith(`BEARER ${TOKEN}`))).not.toThrow();
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['the scheme alone', 'Bearer'],
    ['the scheme and spaces', 'Bearer    '],
    ['the token without a scheme', TOKEN],
    ['another scheme', `Basic ${TOKEN}`],
    ['a wrong token', 'Bearer wrong-token!'],
    ['the token in another case', `Bearer ${TOKEN.toUpperCase()}`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['the token twice', `Bearer ${TOKEN}${TOKEN}`],
  ])('refuses %s with 401 ERR_UNAUTHORIZED, on loopback as elsewhere', (_case, authorization) => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const error = thrownBy(() => new AdminGate(TOKEN, host).check(requestWith(authorization)));
      expect(error.code).toBe('ERR_UNAUTHORIZED');
      expect(error.httpStatus).toBe(401);
      expect(error.message).toBe('admin endpoints need Authorization: Bearer <token>');
    }
  });
});
