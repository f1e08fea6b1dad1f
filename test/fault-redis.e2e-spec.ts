import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { AuthService } from '../src/index.js';
import { cookiePair } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import {
  dropPrefixedTables,
  POSTGRES_URL,
  PrivateRedis,
  TEST_SECRET,
  uniquePrefix,
  waitFor,
} from './support/services.js';

const tablePrefix = uniquePrefix('fredis');
const PASSWORD = 'correct horse battery';
let redis: PrivateRedis;
let app: INestApplication;
let base: string;

/** One request with a hard deadline: a hang shows up as status 0, never as a stuck test. */
async function call(method: string, path: string, cookie?: string, body?: unknown): Promise<number> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(4000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function login(): Promise<string | undefined> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'kim', password: PASSWORD }),
    signal: AbortSignal.timeout(4000),
  });
  return res.status === 200 ? cookiePair(res, 'sid') : undefined;
}

describe('Redis killed under load (private Redis)', () => {
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const booted = await bootLibraryApp({
      options: {
        environment: 'test',
        redis: { url: redis.url },
        database: { url: POSTGRES_URL, tablePrefix },
        session: { secret: TEST_SECRET },
        auth: { argon2: FAST_ARGON2 },
        consent: { anonymousWriteLimit: false }, // the PUT client loops from one address; the limit is not under test
      },
      controllers: [ProbeController],
      listen: true,
    });
    app = booted.app;
    base = booted.url;
    await app.get(AuthService).createUser('kim', PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('answers every request (503 where a session is needed, never a 500 or a hang) and recovers within 5 s of Redis returning', async () => {
    const cookie = (await login())!;
    expect(cookie).toBeDefined();
    const statuses = new Map<string, Map<number, number>>();
    let stop = false;
    const client = async (route: string, run: () => Promise<number>) => {
      const seen = statuses.get(route) ?? new Map<number, number>();
      statuses.set(route, seen);
      while (!stop) {
        const status = await run();
        seen.set(status, (seen.get(status) ?? 0) + 1);
      }
    };
    const load = Promise.all([
      client('GET /auth/me', () => call('GET', '/auth/me', cookie)),
      client('GET /auth/me', () => call('GET', '/auth/me', cookie)),
      client('GET /test/private', () => call('GET', '/test/private', cookie)),
      client('GET /test/public', () => call('GET', '/test/public', cookie)),
      client('GET /consent', () => call('GET', '/consent')),
      client('PUT /consent', () => call('PUT', '/consent', undefined, { choice: 'accept-all', policyVersion: '1' })),
      client('POST /auth/login', () => call('POST', '/auth/login', undefined, { username: 'kim', password: PASSWORD })),
      client('GET /health', () => call('GET', '/health')),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    const back = Date.now();
    // Recovery without a restart: a fresh login and a signed-in read work again within 5 s.
    await waitFor(
      async () => {
        const fresh = await login();
        return fresh !== undefined && (await call('GET', '/auth/me', fresh)) === 200;
      },
      5000,
      'sign-in after Redis returns',
    );
    const recoveredMs = Date.now() - back;
    stop = true;
    await load;
    process.stdout.write(
      `recovered ${recoveredMs} ms after Redis returned; ${JSON.stringify([...statuses].map(([r, m]) => [r, Object.fromEntries(m)]))}\n`,
    );

    for (const [route, seen] of statuses) {
      for (const status of seen.keys()) {
        // 0 = no answer within 4 s (a hang or a reset connection); 5xx other than 503 = a bug.
        expect(`${route} -> ${status}`).toMatch(/ -> (200|204|401|503)$/);
      }
    }
    // The outage was seen where a session is needed.
    expect(statuses.get('GET /auth/me')!.get(503)).toBeGreaterThan(0);
    // Public routes never needed Redis.
    expect([...statuses.get('GET /test/public')!.keys()]).toEqual([200]);
    expect(recoveredMs).toBeLessThan(5000);
  }, 30_000);

  it('turns a stalled Redis (frozen, connections open) into 503s within the command deadline, not hangs', async () => {
    const cookie = (await login())!;
    expect(await call('GET', '/auth/me', cookie)).toBe(200);
    redis.pause();
    try {
      // call() gives up after 4 s (status 0); the module's deadline for a Redis command is about 2 s.
      const [me, pub, health] = await Promise.all([
        call('GET', '/auth/me', cookie),
        call('GET', '/test/public'),
        call('GET', '/health'),
      ]);
      expect({ me, pub, health }).toEqual({ me: 503, pub: 200, health: 503 });
    } finally {
      redis.resume();
    }
    await waitFor(
      async () => (await call('GET', '/auth/me', cookie)) === 200,
      5000,
      'signed-in read after Redis resumes',
    );
  }, 30_000);

  it('answers within 5 s while Redis is frozen under traffic (sign-ins and their throttle, session reads, consent) and recovers after SIGCONT without a restart', async () => {
    const cookie = (await login())!;
    const seen = new Map<string, Map<number, number>>();
    const slowest = new Map<string, number>();
    let stop = false;
    const client = async (route: string, run: () => Promise<number>) => {
      const statuses = seen.get(route) ?? new Map<number, number>();
      seen.set(route, statuses);
      for (let k = 0; !stop && k < 10_000; k++) {
        const started = Date.now();
        const status = await run();
        slowest.set(route, Math.max(slowest.get(route) ?? 0, Date.now() - started));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    const load = Promise.all([
      client('POST /auth/login', () => call('POST', '/auth/login', undefined, { username: 'kim', password: PASSWORD })),
      client('POST /auth/login (wrong password)', () =>
        call('POST', '/auth/login', undefined, { username: 'nobody', password: 'wrong password' }),
      ),
      client('GET /auth/me', () => call('GET', '/auth/me', cookie)),
      client('GET /test/private', () => call('GET', '/test/private', cookie)),
      client('GET /consent', () => call('GET', '/consent', cookie)),
      client('PUT /consent', () => call('PUT', '/consent', undefined, { choice: 'accept-all', policyVersion: '1' })),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    redis.pause();
    try {
      await new Promise((r) => setTimeout(r, 6000));
    } finally {
      redis.resume();
    }
    const resumedAt = Date.now();
    await waitFor(
      async () => {
        const fresh = await login();
        return (
          fresh !== undefined &&
          (await call('GET', '/auth/me', fresh)) === 200 &&
          (await call('GET', '/auth/me', cookie)) === 200
        );
      },
      5000,
      'sign-in and signed-in reads after Redis resumes',
    );
    const recoveredMs = Date.now() - resumedAt;
    stop = true;
    await load;
    process.stdout.write(
      `frozen Redis: recovered ${recoveredMs} ms after SIGCONT; slowest ${JSON.stringify(Object.fromEntries(slowest))}; ${JSON.stringify([...seen].map(([r, m]) => [r, Object.fromEntries(m)]))}\n`,
    );
    for (const [route, statuses] of seen) {
      // 0 = no answer within 4 s (call()'s own deadline).
      for (const status of statuses.keys()) expect(`${route} -> ${status}`).toMatch(/ -> (200|204|401|429|503)$/);
    }
    expect(seen.get('GET /auth/me')!.get(503)).toBeGreaterThan(0);
    expect(seen.get('POST /auth/login')!.get(503)).toBeGreaterThan(0);
    expect(recoveredMs).toBeLessThan(5000);
  }, 40_000);
});
