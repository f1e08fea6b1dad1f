import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort, MARIADB_URL, POSTGRES_URL, REDIS_URL } from './support/services.js';

/** scripts/test-setup.sh, the first step of `npm test` (what .ci/run used to do before `npm ci`). */
const SCRIPT = join(process.cwd(), 'scripts/test-setup.sh');

async function setup(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', [SCRIPT], {
    // The tests' own variables would point the script at the shared services: each run names its own.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TMPDIR: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  return { code, stdout, stderr };
}

async function redisAnswers(port: number): Promise<boolean> {
  const client = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { reconnectStrategy: false, connectTimeout: 500 },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const pong = await client.ping();
    await client.close();
    return pong === 'PONG';
  } catch {
    client.destroy();
    return false;
  }
}

async function shutdownRedis(port: number): Promise<void> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  await client.sendCommand(['SHUTDOWN', 'NOSAVE']).catch(() => undefined); // the connection drops: that is the answer
  client.destroy();
}

describe('the test set-up step (scripts/test-setup.sh)', () => {
  it('starts a private Redis on a free port, would start PostgreSQL and MariaDB, and simulates installing a missing Chromium', async () => {
    const [redisPort, pgPort, mariaPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      TEST_SETUP_DRY_RUN: '1',
      TEST_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      TEST_POSTGRES_URL: `postgres://postgres@127.0.0.1:${pgPort}/test`,
      TEST_MARIADB_URL: `mysql://root@localhost:${mariaPort}/test`,
      CHROMIUM_PATH: join(tmpdir(), 'no-such-dir', 'chromium'),
    };
    expect(await redisAnswers(redisPort)).toBe(false);
    const run = await setup(env);
    try {
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const lines = run.stdout.split('\n');
      expect(lines).toContain(`== test set-up: starting Redis on 127.0.0.1:${redisPort}`);
      expect(await redisAnswers(redisPort)).toBe(true);
      // The system services are started as root: a dry run names the command instead.
      expect(lines).toContainEqual(
        expect.stringMatching(
          /^== test set-up: would start PostgreSQL: pg_ctlcluster --skip-systemctl-redirect \S+ main start$/,
        ),
      );
      expect(lines).toContain(
        '== test set-up: would start MariaDB: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
      );
      // The install step runs for real, as apt-get's simulation.
      expect(lines).toContain('== test set-up: would install chromium: apt-get -s install chromium');
      expect(run.stdout).toMatch(/chromium/i);

      // Run again with everything up (the private Redis, the shared databases, an executable as the browser):
      // nothing to do, nothing printed.
      const again = await setup({
        ...env,
        TEST_POSTGRES_URL: POSTGRES_URL,
        TEST_MARIADB_URL: MARIADB_URL,
        CHROMIUM_PATH: process.execPath,
      });
      expect(again).toEqual({ code: 0, stdout: '', stderr: '' });
    } finally {
      if (await redisAnswers(redisPort)) await shutdownRedis(redisPort);
    }
    const pidFile = join(tmpdir(), `nestjs-auth-consent-redis-${redisPort}.pid`);
    for (let i = 0; i < 40 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : 'removed').toBe('removed');
  });

  it('is quiet on the shared services and leaves a service on another host alone', async () => {
    const run = await setup({
      TEST_REDIS_URL: REDIS_URL,
      TEST_POSTGRES_URL: 'postgres://postgres@192.0.2.1:5432/test', // TEST-NET-1: never reached
      TEST_MARIADB_URL: MARIADB_URL,
      CHROMIUM_PATH: process.execPath,
    });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('does nothing at all with TEST_SETUP_SKIP=1', async () => {
    const port = await freePort();
    const run = await setup({
      TEST_SETUP_SKIP: '1',
      TEST_REDIS_URL: `redis://127.0.0.1:${port}`,
      CHROMIUM_PATH: '/nowhere',
    });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await redisAnswers(port)).toBe(false);
  });
});
