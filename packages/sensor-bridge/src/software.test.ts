import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOFTWARE } from './software';

describe('software version in recording headers', () => {
  it('is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SOFTWARE.version).toBe(pkg.version);
  });
});
