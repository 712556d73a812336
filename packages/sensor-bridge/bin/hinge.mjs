#!/usr/bin/env node
// Launcher for the `hinge` CLI (`pnpm --silent hinge ...`). It runs a bundle of the TypeScript sources
// (dist/hinge.mjs, built with esbuild) so a command starts in tens of milliseconds instead of the second
// a TypeScript loader needs. The bundle is rebuilt automatically when any source file is newer than it,
// so editing the code and running the command just works.
// The bundle is split (esbuild code splitting): each command is its own chunk, loaded only when that
// command runs, so `hinge analyze` does not load the server's or the database's dependencies. A build
// goes into its own directory dist/build-*; dist/hinge.mjs, replaced atomically, points at the current
// one, and builds older than an hour are removed.
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI_ENTRY_POINTS, bundleOptions } from './bundle-options.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = resolve(here, '../..');
const distDir = resolve(here, '../dist');
const bundle = join(distDir, 'hinge.mjs');
/** Builds this old are removed by the next build (a command loads its chunk when it starts). */
const OLD_BUILD_MS = 3600_000;
const sources = ['protocol', 'analysis', 'simulator', 'sensor-bridge'].map((p) => join(packagesDir, p, 'src'));

function newestSourceMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtimeMs(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

async function build() {
  const { build: esbuild } = await import('esbuild');
  const name = `build-${Date.now()}-${process.pid}`;
  await esbuild(bundleOptions(CLI_ENTRY_POINTS, join(distDir, name)));
  const tmp = `${bundle}.${process.pid}.tmp`;
  writeFileSync(tmp, `export * from './${name}/main.mjs';\n`);
  renameSync(tmp, bundle); // atomic, so concurrent launchers never run a half-written bundle
  for (const entry of readdirSync(distDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('build-') || entry.name === name) continue;
    const dir = join(distDir, entry.name);
    if (Date.now() - statSync(dir).mtimeMs > OLD_BUILD_MS) rmSync(dir, { recursive: true, force: true });
  }
}

const stale = !existsSync(bundle) || sources.some((dir) => newestSourceMtimeMs(dir) > statSync(bundle).mtimeMs);
if (stale) await build();
const { runCli } = await import(pathToFileURL(bundle).href);
runCli(process.argv.slice(2));
