import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const repo = resolve('.');
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Packs the repository (as `npm publish` would), installs the tarball into a copy of `source` (an app folder
 * under test/) inside `tmp`, links the app's own dependencies from the repository's node_modules (no registry
 * for them; the app reaches the library only through the package), then type-checks and compiles the app.
 * Returns the app's folder. (test/consumer.e2e-spec.ts does the same for test/consumer.)
 */
export function installPackedApp(tmp: string, source: string, extraLinks: string[] = []): string {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--silent', '--pack-destination', tmp], repo)) as Array<{
    filename: string;
  }>;
  const tarball = join(tmp, packed.filename);

  // Only the tarball and its own dependencies come from npm; an empty manifest keeps npm from resolving the app's.
  const stage = join(tmp, 'stage');
  mkdirSync(stage);
  writeFileSync(join(stage, 'package.json'), '{ "private": true }\n');
  run(
    'npm',
    [
      'install',
      tarball,
      '--no-save',
      '--no-package-lock',
      '--legacy-peer-deps',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    stage,
  );

  const app = join(tmp, 'app');
  cpSync(join(repo, source), app, { recursive: true, filter: (src) => !/[/\\](node_modules|dist)$/.test(src) });
  renameSync(join(stage, 'node_modules'), join(app, 'node_modules'));
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies), ...extraLinks]) {
    const target = join(app, 'node_modules', name);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(realpathSync(join(repo, 'node_modules', name)), target, 'dir');
  }
  run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  return app;
}
