// The export worker as it ships (bundled like bin/hinge.mjs): a worker starts for every export, so
// what it loads at start is paid per export (bench/long-export.ts, docs/benchmarks.md). The libraries
// that only some jobs need, and the schema library the analysis does not need, are not loaded until
// a job of that kind runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const binDir = path.resolve(import.meta.dirname, '../../bin');
const outdir = mkdtempSync(path.join(tmpdir(), 'hinge-bundle-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface Metafile {
  outputs: Record<string, { entryPoint?: string; imports: { path: string; kind: string; external?: boolean }[] }>;
}

/** The npm packages a bundled entry loads before it runs (static imports, through its chunks). */
function staticPackages(metafile: Metafile, entry: string): Set<string> {
  const outputs = metafile.outputs;
  const start = Object.keys(outputs).find((out) => outputs[out]!.entryPoint?.endsWith(entry));
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const imported of outputs[out]!.imports) {
      if (imported.kind !== 'import-statement') continue;
      if (imported.external) packages.add(imported.path);
      else visit(imported.path);
    }
  };
  visit(start!);
  return packages;
}

describe('the export worker bundle', () => {
  it('starts without pdfkit, the MCAP writer, zstd, csv-stringify or TypeBox; the jobs that need them load them', async () => {
    const { build } = createRequire(import.meta.url)('esbuild') as { build: (options: object) => Promise<{ metafile: Metafile }> };
    const { CLI_ENTRY_POINTS, bundleOptions } = (await import(path.join(binDir, 'bundle-options.mjs'))) as { CLI_ENTRY_POINTS: Record<string, string>; bundleOptions: (entries: object, outdir: string) => object };
    const { metafile } = await build({ ...bundleOptions(CLI_ENTRY_POINTS, outdir), metafile: true });
    const atStart = staticPackages(metafile, 'src/server/export-worker.ts');
    for (const lazy of ['pdfkit', 'i18next', '@mcap/core', '@bokuweb/zstd-wasm', 'csv-stringify/sync', 'typebox', 'typebox/value']) expect(atStart).not.toContain(lazy);
    expect([...atStart].every((p) => p.startsWith('node:'))).toBe(true);
    // ... and they are in the bundle, behind dynamic imports.
    const all = new Set(Object.values(metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
    for (const lazy of ['pdfkit', '@mcap/core', 'csv-stringify/sync']) expect(all).toContain(lazy);
  }, 60_000);
});
