// Which browsers may talk to the bridge, checked on every request before anything else runs.
//
// - Host allow-list (DNS rebinding): a page from evil.example whose name is re-pointed at 127.0.0.1
//   sends `Host: evil.example`. Only loopback names and addresses, the addresses of the interface the
//   bridge listens on, and the names given with `--allowed-host` are answered; anything else gets 403.
// - Origin: a browser's WebSocket upgrade and every state-changing request (POST, PUT, PATCH, DELETE)
//   must come from the bridge's own origin (same host:port as `Host`) or an `--allow-origin` origin.
//   Clients that send no Origin (command-line tools) are not browsers and pass; the token rules still apply.
// - CSRF: a state-changing request must be `Content-Type: application/json` or carry an
//   `X-Hinge-Client` header. Both force a CORS preflight, which the bridge never grants, so a foreign
//   page cannot send them; a plain `text/plain` form or `fetch(no-cors)` is refused.
// - Security headers (@fastify/helmet): a CSP the dashboard passes (only its own scripts, styles and
//   connections), frame-ancestors 'none' + X-Frame-Options DENY, nosniff, no referrer (display links
//   carry their token in the URL).
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { HingeError } from './errors';

export const CLIENT_HEADER = 'x-hinge-client';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface RequestGuardOptions {
  /** The interface the bridge listens on. */
  listenHost: string;
  /** Extra host names (e.g. `bridge.clinic.lan`) the bridge answers to. */
  allowedHosts: readonly string[];
  /** Browser origins allowed besides the bridge's own (e.g. a vite dev server). */
  allowedOrigins: readonly string[];
}

/** Lower case, no brackets around IPv6, no trailing dot. */
function normalHostname(name: string): string {
  return name.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/**
 * A `Host` header as RFC 9110 has it: a name or IPv4 address, or an IPv6 literal in brackets, and an
 * optional port. Nothing else: no userinfo (even empty: `@localhost`), path, escape or blank, which
 * the URL parser would otherwise drop or decode on the way to a name it allows (found by fuzzing).
 */
const HOST_HEADER = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;

/** The host name of a `Host` header value (`name`, `name:port`, `[v6]:port`), or null when it is malformed. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader || !HOST_HEADER.test(hostHeader)) return null;
  try {
    const url = new URL(`http://${hostHeader}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return null;
    return normalHostname(url.hostname);
  } catch {
    return null;
  }
}

const isLoopbackName = (name: string): boolean => name === 'localhost' || name === '::1' || (isIP(name) === 4 && name.startsWith('127.'));

/** Names and addresses this bridge answers to: loopback, the listening interface (every local address when it is a wildcard), the configured names. */
export function allowedHostnames(listenHost: string, extra: readonly string[]): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1', ...extra.map(normalHostname)]);
  const listen = normalHostname(listenHost);
  if (listen === '0.0.0.0' || listen === '::') {
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(normalHostname(a.address.split('%')[0]!));
  } else {
    names.add(listen);
  }
  return names;
}

export function hostAllowed(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  const name = hostnameOf(hostHeader);
  return name !== null && (allowed.has(name) || isLoopbackName(name));
}

/** No Origin (not a browser), an allowed extra origin, or the bridge's own origin as the browser reached it. */
export function originAllowed(request: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    // Both as the URL parser writes them (lower case, IPv4 and IPv6 in one form, no default port).
    return new URL(origin).host === new URL(`http://${request.headers.host}`).host;
  } catch {
    return false;
  }
}

function sentAsJsonOrByScript(request: FastifyRequest): boolean {
  const type = request.headers['content-type'];
  if (typeof type === 'string' && type.split(';')[0]!.trim().toLowerCase() === 'application/json') return true;
  return request.headers[CLIENT_HEADER] !== undefined;
}

/** Adds the checks and headers to every route of `app` (call before registering routes). */
export async function guardRequests(app: FastifyInstance, options: RequestGuardOptions): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Served over plain http on a clinic network: no HSTS, no cross-origin isolation demands.
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
  const allowed = allowedHostnames(options.listenHost, options.allowedHosts);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!hostAllowed(request.headers.host, allowed)) throw new HingeError('HINGE_ERR_HOST_NOT_ALLOWED', 403);
    const upgrade = typeof request.headers.upgrade === 'string' && request.headers.upgrade.toLowerCase() === 'websocket';
    if ((upgrade || STATE_CHANGING.has(request.method)) && !originAllowed(request, options.allowedOrigins)) {
      throw new HingeError('HINGE_ERR_ORIGIN_NOT_ALLOWED', 403);
    }
    if (STATE_CHANGING.has(request.method) && !sentAsJsonOrByScript(request)) throw new HingeError('HINGE_ERR_NOT_JSON', 415);
  });
}
