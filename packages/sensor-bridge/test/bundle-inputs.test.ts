// The CLI bundle (what `bin/hinge.mjs` builds and runs in production) contains product code only:
// every bundled file is under a package's src/ and none is a test, a test double or a test helper.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('production bundle', () => {
  // The same rule as bin/hinge.mjs: npm dependencies stay external, our own packages are bundled.
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter((d) => !d.startsWith('@hinge/'));

  it('bundles only files under packages/*/src, and no test file or test double', async () => {
    const result = await build({
      entryPoints: [path.join(packageDir, 'src/cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      external: [...external, ...external.map((d) => `${d}/*`)],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.length).toBeGreaterThan(50);
    const misplaced = inputs.filter((input) => !/(^|\/)packages\/[a-z-]+\/(src\/|package\.json$)/.test(input));
    expect(misplaced).toEqual([]);
    const testCode = inputs.filter((input) => /\.test\.tsx?$|(^|\/)(test|test-support)\/|fake-(binding|devices)|standin-analysis/.test(input));
    expect(testCode).toEqual([]);
  });
});
