#!/usr/bin/env node
// Launcher for the `hinge` CLI (`pnpm --silent hinge ...`). It runs a bundle of the TypeScript sources
// (dist/hinge.mjs, built with esbuild) so a command starts in tens of milliseconds instead of the second
// a TypeScript loader needs. The bundle is rebuilt automatically when any source file is newer than it,
// so editing the code and running the command just works.
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = resolve(here, '../..');
const bundle = resolve(here, '../dist/hinge.mjs');
const sources = ['protocol', 'analysis', 'sensor-bridge'].map((p) => join(packagesDir, p, 'src'));

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
  const pkg = JSON.parse((await import('node:fs')).readFileSync(resolve(here, '../package.json'), 'utf8'));
  // npm dependencies stay external (native addons, optional Bluetooth); only our own TypeScript is bundled.
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter((d) => !d.startsWith('@hinge/'));
  const tmp = `${bundle}.${process.pid}.tmp`;
  await esbuild({
    entryPoints: [resolve(here, '../src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: tmp,
    external: [...external, ...external.map((d) => `${d}/*`)],
    logLevel: 'error',
  });
  renameSync(tmp, bundle); // atomic, so concurrent launchers never run a half-written bundle
}

const stale = !existsSync(bundle) || sources.some((dir) => newestSourceMtimeMs(dir) > statSync(bundle).mtimeMs);
if (stale) await build();
const { runCli } = await import(pathToFileURL(bundle).href);
runCli(process.argv.slice(2));
