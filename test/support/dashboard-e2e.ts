// Helpers for the dashboard's browser end-to-end test: a real bridge (buildApp) listening on a free
// loopback port and serving the built dashboard, Debian's Chromium through playwright-core, and the
// choice of fixture.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildApp, type BuildAppOptions } from '../../packages/sensor-bridge/src/server/app';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DASHBOARD_DIST = path.join(REPO_ROOT, 'packages/dashboard/dist');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-output/screenshots');
export const CHROMIUM_PATH = process.env.HINGE_CHROMIUM ?? '/usr/bin/chromium';

/** Builds the dashboard when `dist/` is missing (the root `pnpm test` builds it before vitest). */
export function ensureDashboardBuilt(): void {
  if (existsSync(path.join(DASHBOARD_DIST, 'index.html'))) return;
  const result = spawnSync('pnpm', ['--filter', '@hinge/dashboard', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`dashboard build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface RunningBridge {
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a bridge on 127.0.0.1 with its own data folder (or the given one, to restart over the same data). */
export async function startBridge(options: Partial<BuildAppOptions> & { port?: number } = {}): Promise<RunningBridge> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'hinge-e2e-'));
  const app = await buildApp({ host: '127.0.0.1', dashboardDir: DASHBOARD_DIST, ...options, dataDir });
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the bridge has no TCP address');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    dataDir,
    close: () => app.close(),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Debian's Chromium, headless; `extraArgs` e.g. `--host-resolver-rules=...`. */
export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: run \`node scripts/ensure-browser.mjs\` (installs Debian's chromium as root)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...extraArgs],
  });
}

export interface TruthRepLike {
  index: number;
  kind: string;
  faults: string[];
}

export interface Fixture {
  /** File name a replay source names. */
  recording: string;
  dir: string;
  /** The simulator's ground truth reps (`NAME.truth.json`). */
  reps: TruthRepLike[];
}

/** A recorded session from `fixtures/` with its ground truth. */
export function loadFixture(name: string, dir = path.join(REPO_ROOT, 'fixtures')): Fixture {
  const truth = JSON.parse(readFileSync(path.join(dir, `${name}.truth.json`), 'utf8')) as { reps: TruthRepLike[] };
  return { recording: `${name}.jsonl`, dir, reps: truth.reps };
}
