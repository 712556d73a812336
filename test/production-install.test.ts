// A production install runs the CLI: a clean clone of this repository's committed state, installed
// with `pnpm install --prod --offline --frozen-lockfile` (from the local pnpm store, so no network),
// then `hinge help`, `hinge analyze` on a fixture and `hinge serve` answering its health route.
// Slow (a clone and an install: ~15-40 s), so it runs once per suite.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'hinge-prod-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('production install', () => {
  it('a clean clone installed with --prod runs the hinge CLI and the server', async () => {
    const clone = path.join(work, 'repo');
    execFileSync('git', ['clone', '--quiet', repoRoot, clone]);
    execFileSync('pnpm', ['install', '--prod', '--offline', '--frozen-lockfile'], { cwd: clone, stdio: 'pipe' });
    // Development tools are really absent.
    expect(() => execFileSync('node', ['-e', "import('vitest')"], { cwd: clone, stdio: 'pipe' })).toThrow();

    const hinge = (...args: string[]) => execFileSync('node', ['packages/sensor-bridge/bin/hinge.mjs', ...args], { cwd: clone, encoding: 'utf8' });
    expect(hinge('help')).toMatch(/^usage: hinge <command>/);
    expect(hinge('analyze', 'fixtures/clean.jsonl', '--json')).toContain('"format":"hinge-analysis"');

    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const server = spawn('node', ['packages/sensor-bridge/bin/hinge.mjs', 'serve', '--no-session', '--port', String(port), '--data-dir', path.join(work, 'data'), '--log-level', 'warn'], {
      cwd: clone,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const match = /http:\/\/\S+/.exec(out);
          if (match) resolve(match[0]);
        });
        server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
      const health = await fetch(new URL('/api/health', url));
      expect(health.status).toBe(200);
      expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
    } finally {
      server.kill('SIGTERM');
    }
  }, 120_000);
});
