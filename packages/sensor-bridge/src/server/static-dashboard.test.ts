// The built dashboard is served by @fastify/static: the page and its assets, with the security headers,
// and nothing outside its folder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { buildApp } from './app';
import { standinAnalysis } from '../../test/standin-analysis';

const dir = mkdtempSync(path.join(tmpdir(), 'hinge-static-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('serves the dashboard and its assets with the security headers, nothing outside its folder', async () => {
  const dist = path.join(dir, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>hinge</title>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'not for clients');
  const app = await buildApp({ dataDir: path.join(dir, 'data'), dashboardDir: dist, analysis: standinAnalysis });
  try {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>hinge</title>');
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const asset = await app.inject({ url: '/assets/app.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await app.inject({ url });
      expect({ url, status: res.statusCode, leaked: res.body.includes('not for clients') }).toEqual({ url, status: expect.any(Number), leaked: false });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
    }
  } finally {
    await app.close();
  }
});
