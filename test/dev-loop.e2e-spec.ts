import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { freePort, waitFor } from './support/services.js';

/** `npm run start:dev` (nest start --watch, nest-cli.json) as a developer runs it: compiled, assets copied, served. */
describe('the dev loop', () => {
  it('npm run start:dev compiles, copies the demo assets and serves /health, the pages and the banner script', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const child = spawn('npm', ['run', 'start:dev'], {
      env: { ...process.env, PORT: String(port), NODE_ENV: 'development' },
      stdio: 'ignore',
      detached: true,
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${base}/health`).catch(() => undefined))?.status === 200,
        90_000,
        'the dev server',
      );
      expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok' });
      const home = await fetch(`${base}/`);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toMatch(/html/);
      expect((await fetch(`${base}/assets/app.js`)).status).toBe(200);
      expect((await fetch(`${base}/consent/banner.js`)).status).toBe(200);
      // nest-cli.json's assets were copied by this run (watched), not left by an earlier build.
      expect(statSync('dist/src/demo/public/app.js').mtimeMs).toBeGreaterThanOrEqual(startedAt - 1000);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      // The app the CLI spawned shares the process group; it is gone once the port stops answering.
      await waitFor(
        async () => !(await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined)),
        10_000,
        'the dev server to stop',
      ).catch(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      });
    }
  }, 120_000);
});
