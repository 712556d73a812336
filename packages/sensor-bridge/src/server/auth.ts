// Who is asking. On loopback (the default) every local request is the clinician. On any other
// interface the access token is required (`Authorization: Bearer TOKEN` or `?token=TOKEN`). A
// patient display token (`d_...`) gives a read-only view of one session, wherever the bridge listens.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';

export type Access = { role: 'clinician' } | { role: 'display'; sessionId: string };

export interface AccessPolicy {
  tokenRequired: boolean;
  /** The current access token (a getter: `hinge token rotate` replaces it while the bridge runs). */
  readonly accessToken: string;
  displaySession(token: string): string | null;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const isLoopbackHost = (host: string): boolean => LOOPBACK.has(host) || host.startsWith('127.');

/** Reads the access token from the data dir, creating it (owner-only) at first start. */
export function loadOrCreateAccessToken(file: string): { token: string; created: boolean } {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length >= 16) return { token, created: false };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, created: true };
}

/** A new access token, written owner-only in place of the old one (atomically: never half a token). */
export function rotateAccessToken(file: string): string {
  const token = randomBytes(24).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, token + '\n', { mode: 0o600 });
  renameSync(tmp, file);
  return token;
}

/** How often a running bridge looks at the token file for a rotated token, ms. */
export const TOKEN_RECHECK_MS = 1000;

/**
 * The access token of `file` as a running bridge sees it: re-read when the file changed (looked at
 * most every TOKEN_RECHECK_MS), so a token rotated by `hinge token rotate` holds within a second.
 */
export function accessTokenOf(file: string, initial: string, nowMs: () => number = Date.now): () => string {
  let token = initial;
  let checkedMs = nowMs();
  let mtimeMs = existsSync(file) ? statSync(file).mtimeMs : 0;
  return () => {
    if (nowMs() - checkedMs < TOKEN_RECHECK_MS) return token;
    checkedMs = nowMs();
    try {
      const m = statSync(file).mtimeMs;
      if (m !== mtimeMs) {
        const read = readFileSync(file, 'utf8').trim();
        if (read.length >= 16) token = read;
        mtimeMs = m;
      }
    } catch {
      // unreadable for a moment: keep the token we have
    }
    return token;
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : null;
}

/** The caller's access, or null when a token is required and missing or wrong. */
export function accessOf(request: FastifyRequest, policy: AccessPolicy): Access | null {
  const token = tokenOf(request);
  if (token !== null) {
    const sessionId = policy.displaySession(token);
    if (sessionId !== null) return { role: 'display', sessionId };
    // An unknown or expired display link is refused, even on loopback: it must not become the clinician.
    if (token.startsWith('d_')) return null;
    if (sameSecret(token, policy.accessToken)) return { role: 'clinician' };
    return policy.tokenRequired ? null : { role: 'clinician' };
  }
  return policy.tokenRequired ? null : { role: 'clinician' };
}
