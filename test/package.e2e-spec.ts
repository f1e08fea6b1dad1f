import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

interface PackResult {
  files: Array<{ path: string }>;
}

describe('the npm package', () => {
  // `npm test` builds before Jest runs, so dist/ is current.
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { encoding: 'utf8' }),
  ) as PackResult[];
  const files = pack.files.map((f) => f.path);

  it('ships the library, its types, source maps and migrations', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/index.js.map',
        'dist/migrations/index.js',
        'README.md',
        'CHANGELOG.md',
        'LICENSE',
      ]),
    );
  });

  it('ships no demo, tests, specs, TypeScript sources or build caches', () => {
    expect(files.filter((f) => /(^|\/)(demo|test)\/|\.spec\.|^src\/|tsbuildinfo|data-source\.js$/.test(f))).toEqual([]);
  });

  it('points every export at a file in the package', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    for (const target of Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)))) {
      const path = target.replace(/^\.\//, '');
      expect(files).toContain(path);
      expect(existsSync(path)).toBe(true);
    }
  });
});
