import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { AuthService, SessionService, type AuthConsentModuleOptions } from '../src/index.js';
import { SessionBackend } from '../src/session/session.backend.js';
import { sessionHandle } from '../src/session/session-id.js';
import { TestClock } from './support/clock.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { gate, ProbeController } from './support/probe.controller.js';
import { indexKeyOf, rawSessionId, sessionKeyOf } from './support/session-keys.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';
import { decodeStoredSession } from '../src/session/stored-session.codec.js';

const tablePrefix = uniquePrefix('authc');
const PASSWORD = 'correct horse battery';
const apps: INestApplication[] = [];
const prefixes: string[] = [];
let redis: RedisClientType;

async function boot(tag: string, auth: AuthConsentModuleOptions['auth'] = {}, clock = new TestClock()) {
  const redisPrefix = `${tablePrefix}${tag}:`;
  prefixes.push(redisPrefix);
  const app = (
    await bootLibraryApp({
      options: {
        environment: 'test',
        redis: { url: REDIS_URL },
        database: { url: POSTGRES_URL, tablePrefix },
        session: { secret: TEST_SECRET, redisPrefix },
        auth: { argon2: FAST_ARGON2, throttle: { accountFreeFailures: 1000, ipFreeFailures: 1000 }, ...auth },
      },
      clock,
      controllers: [ProbeController],
    })
  ).app;
  apps.push(app);
  return { app, redisPrefix, clock, http: () => request(app.getHttpServer()) };
}

describe('sessions under concurrency (PostgreSQL + Redis)', () => {
  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.close();
    for (const p of prefixes) await deleteRedisPrefix(p);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('keeps the per-user index exact under 50 parallel logins of one user', async () => {
    const { app, redisPrefix, http } = await boot('par');
    const user = await app.get(AuthService).createUser('parallel', PASSWORD);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => http().post('/auth/login').send({ username: 'parallel', password: PASSWORD })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    const handles = responses.map((r) => sessionHandle(rawSessionId(sessionCookie(r)!))).sort();
    expect(new Set(handles).size).toBe(50);
    expect((await redis.zRange(indexKeyOf(redisPrefix, user.id), 0, -1)).sort()).toEqual(handles);
    const listed = await app.get(SessionService).listForUser(user.id);
    expect(listed.map((s) => s.handle).sort()).toEqual(handles);
  });

  it.each([['evict-oldest' as const], ['refuse' as const]])(
    'holds maxSessionsPerUser=3 (%s) under 20 parallel logins',
    async (policy) => {
      const { app, redisPrefix, http } = await boot(`lim-${policy}`, {
        maxSessionsPerUser: 3,
        sessionLimitPolicy: policy,
      });
      const user = await app.get(AuthService).createUser(`limited-${policy}`, PASSWORD);
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          http()
            .post('/auth/login')
            .send({ username: `limited-${policy}`, password: PASSWORD }),
        ),
      );
      const ok = responses.filter((r) => r.status === 200);
      if (policy === 'refuse') {
        expect(ok).toHaveLength(3);
        for (const r of responses.filter((x) => x.status !== 200)) {
          expect(r.status).toBe(409);
          expect(sessionCookie(r)).toBeUndefined();
        }
      } else {
        expect(ok).toHaveLength(20);
      }
      expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(3);
      let alive = 0;
      for (const r of ok) if ((await http().get('/auth/me').set('Cookie', sessionCookie(r)!)).status === 200) alive++;
      expect(alive).toBe(3);
    },
  );

  it('revocation wins over an in-flight request: it cannot write the session back, and the next request is 401', async () => {
    const { app, redisPrefix, http } = await boot('flight');
    const user = await app.get(AuthService).createUser('inflight', PASSWORD);
    const cookie = sessionCookie(
      await http().post('/auth/login').send({ username: 'inflight', password: PASSWORD }).expect(200),
    )!;
    const key = sessionKeyOf(redisPrefix, cookie);
    gate.reset();
    const slow = http()
      .get('/test/slow')
      .set('Cookie', cookie)
      .then((r) => r);
    await gate.entered;
    expect(await app.get(SessionService).revokeForUser(user.id, sessionHandle(rawSessionId(cookie)))).toBe(true);
    gate.open();
    expect((await slow).status).toBe(200);
    expect(await redis.exists(key)).toBe(0);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(0);
  });

  it('updateUserSessions reaches every live session, survives an older write-back and resurrects nothing', async () => {
    const { app, redisPrefix, http } = await boot('prop');
    const sessions = app.get(SessionService);
    const user = await app.get(AuthService).createUser('propagate', PASSWORD);
    const login = async () =>
      sessionCookie(await http().post('/auth/login').send({ username: 'propagate', password: PASSWORD }).expect(200))!;
    const [a, b, revoked] = [await login(), await login(), await login()];
    await sessions.revokeForUser(user.id, sessionHandle(rawSessionId(revoked)));

    gate.reset();
    const slow = http()
      .get('/test/slow')
      .set('Cookie', a)
      .then((r) => r);
    await gate.entered; // `a` was read before the update and is written back after it
    expect(await sessions.updateUserSessions(user.id, 'consent', { analytics: false })).toBe(2);
    gate.open();
    expect((await slow).status).toBe(200);

    const read = async (cookie: string) => {
      const key = sessionKeyOf(redisPrefix, cookie);
      return decodeStoredSession(await redis.get(key))!.data;
    };
    expect((await read(a)).consent).toEqual({ analytics: false });
    expect((await read(a)).note).toBe('written by the slow request');
    expect((await read(b)).consent).toEqual({ analytics: false });
    expect(await redis.exists(sessionKeyOf(redisPrefix, revoked))).toBe(0);
    const ttl = await redis.pTTL(sessionKeyOf(redisPrefix, b));
    expect(ttl).toBeGreaterThan(29 * 60_000);
  });

  it('keeps the index bounded after thousands of login/expire cycles', async () => {
    const clock = new TestClock();
    const { app, redisPrefix } = await boot('cycles', {}, clock);
    const backend = app.get(SessionBackend);
    const userId = 'cycling-user';
    for (let i = 0; i < 3000; i++) {
      const now = clock.now();
      const saved = await backend.save(`h${i}`, {
        mode: 'create',
        json: '{}',
        userId,
        meta: undefined,
        expiresAt: now + 60_000,
        loadedVersion: '0',
        maxSessions: 0,
        policy: 'evict-oldest',
        epoch: '',
      });
      expect(saved).toBe('ok');
      clock.advance(61_000); // the previous session has expired by the next login
    }
    expect(await redis.zCard(indexKeyOf(redisPrefix, userId))).toBeLessThanOrEqual(1);
    expect(await backend.list(userId)).toHaveLength(0);
    expect(await redis.zCard(indexKeyOf(redisPrefix, userId))).toBe(0);
  });
});
