// How the `hinge` CLI is bundled (esbuild), shared by the launcher (bin/hinge.mjs), the bundle test
// (src/server/export-worker-bundle.test.ts) and bench/long-export.ts: our own TypeScript is bundled and
// split into chunks (each command, and the export worker, loads only what it imports); npm dependencies
// stay external (native addons, optional Bluetooth).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The CLI's entry points: the commands, and the export worker (src/server/export-jobs.ts), an entry of its own beside the chunks that start it. */
export const CLI_ENTRY_POINTS = { main: resolve(packageDir, 'src/cli/main.ts'), 'export-worker': resolve(packageDir, 'src/server/export-worker.ts') };

/** esbuild options for `entryPoints` into `outdir`. */
export function bundleOptions(entryPoints, outdir) {
  const pkg = JSON.parse(readFileSync(resolve(packageDir, 'package.json'), 'utf8'));
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter((d) => !d.startsWith('@hinge/'));
  return {
    entryPoints,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir,
    outExtension: { '.js': '.mjs' },
    external: [...external, ...external.map((d) => `${d}/*`)],
    logLevel: 'error',
  };
}
