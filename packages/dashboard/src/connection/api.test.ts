import { describe, expect, it } from 'vitest';
import { ApiError, apiHref, createApi, readToken, webSocketUrl } from './api';

describe('access token and URLs', () => {
  it('reads the token before or inside the hash', () => {
    expect(readToken('?token=abc', '#/')).toBe('abc');
    expect(readToken('', '#/patient/s1?token=x%20y')).toBe('x y');
    expect(readToken('', '#/review')).toBeNull();
  });
  it('builds the WebSocket URL on the same origin', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8787' }, null)).toBe('ws://127.0.0.1:8787/ws');
    expect(webSocketUrl({ protocol: 'https:', host: 'clinic:443' }, 'a&b')).toBe('wss://clinic:443/ws?token=a%26b');
  });
  it('appends the token to export links', () => {
    expect(apiHref('/api/sessions/s1/export/reps.csv', 't')).toBe('/api/sessions/s1/export/reps.csv?token=t');
    expect(apiHref('/api/sessions?patientId=p', 't')).toBe('/api/sessions?patientId=p&token=t');
    expect(apiHref('/api/x', null)).toBe('/api/x');
  });
});

describe('createApi', () => {
  it('sends JSON with the bearer token and returns the body', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const api = createApi('tok', async (url, init) => {
      calls.push({ url: String(url), init: init! });
      return new Response(JSON.stringify({ id: 'p1' }), { status: 201 });
    });
    await expect(api.send('POST', '/api/patients', { name: 'A' })).resolves.toEqual({ id: 'p1' });
    expect(calls[0]!.init.headers).toEqual({ 'x-hinge-client': 'dashboard', 'content-type': 'application/json', authorization: 'Bearer tok' });
    expect(calls[0]!.init.body).toBe('{"name":"A"}');
  });
  it('turns an error body into an ApiError with the bridge code', async () => {
    const api = createApi(null, async () =>
      new Response(JSON.stringify({ statusCode: 404, code: 'HINGE_ERR_SESSION_NOT_FOUND', message: 'no such session' }), { status: 404 }),
    );
    const error = await api.get('/api/sessions/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, code: 'HINGE_ERR_SESSION_NOT_FOUND', message: 'no such session' });
  });
  it('reports an unreachable bridge without throwing a raw TypeError', async () => {
    const api = createApi(null, async () => {
      throw new TypeError('fetch failed');
    });
    await expect(api.get('/api/health')).rejects.toMatchObject({ code: 'HINGE_ERR_NETWORK' });
  });
});
