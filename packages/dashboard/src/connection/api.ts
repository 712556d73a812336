// REST calls to the bridge (docs/websocket-protocol.md, section "REST"), and where the access token
// comes from. The page is served by the bridge, so everything goes to the same origin. The token (needed
// when the bridge is not on 127.0.0.1, and for a patient display link) arrives in the page URL as
// `?token=...`, either before the hash or inside it (`#/patient/ID?token=...`).
import { WS_PATH, type ErrorBody } from '@hinge/protocol';

export function readToken(search: string, hash: string): string | null {
  const fromSearch = new URLSearchParams(search).get('token');
  if (fromSearch) return fromSearch;
  const query = hash.indexOf('?');
  return query >= 0 ? new URLSearchParams(hash.slice(query + 1)).get('token') : null;
}

/** The WebSocket URL on the page's own origin. */
export function webSocketUrl(location: { protocol: string; host: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

/** A URL under /api with the token appended, for links the browser follows itself (exports). */
export function apiHref(path: string, token: string | null): string {
  if (!token) return path;
  return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown): Promise<T>;
  href(path: string): string;
}

export function createApi(token: string | null, fetchImpl: typeof fetch = (...args) => fetch(...args)): Api {
  // X-Hinge-Client marks a request as sent by script (a foreign page cannot send it without a CORS
  // preflight the bridge never grants): body-less POSTs need it.
  const headers = (json: boolean): Record<string, string> => ({
    'x-hinge-client': 'dashboard',
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  });

  async function request(method: string, path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetchImpl(path, {
        method,
        headers: headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'HINGE_ERR_NETWORK', 'the bridge could not be reached');
    }
    if (!response.ok) {
      let code = 'HINGE_ERR_HTTP';
      let message = `${method} ${path} failed with status ${response.status}`;
      try {
        const error = (await response.json()) as Partial<ErrorBody>;
        if (typeof error.code === 'string') code = error.code;
        if (typeof error.message === 'string') message = error.message;
      } catch {
        // not a JSON error body: keep the generic message
      }
      throw new ApiError(response.status, code, message);
    }
    return response;
  }

  return {
    async get<T>(path: string) {
      return (await (await request('GET', path)).json()) as T;
    },
    async send<T>(method: 'POST' | 'PUT' | 'PATCH', path: string, body?: unknown) {
      return (await (await request(method, path, body)).json()) as T;
    },
    href: (path) => apiHref(path, token),
  };
}
