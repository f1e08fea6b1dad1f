import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { TestClock } from './support/clock.js';
import { cookieLine, sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2, NO_LOGIN_LISTENER } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import { deleteRedisPrefix, REDIS_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const PASSWORD = 'correct horse battery';
const CATEGORIES = [
  { key: 'necessary', name: 'Necessary', description: 'Sign-in.' },
  {
    key: 'analytics',
    name: 'Analytics',
    description: 'Audience.',
    gpcOptOut: true,
    cookies: [{ name: 'an', purpose: 'p', duration: '1y', provider: 'x' }],
  },
];

const setsVisitorCookie = (res: { headers: Record<string, unknown> }) =>
  cookieLine(res, 'consent_visitor') !== undefined;

/**
 * Issue 15, item 7: anonymous consent writes (and GET /consent with Sec-GPC: 1, a GET that writes) had no
 * rate limit. They are now limited per client address (`consent.anonymousWriteLimit`, here 3 a minute).
 */
describe.each([
  ['Redis', true],
  ['the in-process backend', false],
])('the anonymous consent write limit (%s)', (_name, withRedis) => {
  const redisPrefix = `${uniquePrefix('cwl')}:`;
  const clock = new TestClock();
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const decide = (ip: string, cookie?: string) => {
    const req = http().put('/consent').set('X-Forwarded-For', ip).send({ choice: 'accept-all', policyVersion: '1' });
    return cookie ? req.set('Cookie', cookie) : req;
  };

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          ...(withRedis ? { redis: { url: REDIS_URL } } : {}),
          database: { url: 'sqlite::memory:' },
          session: { secret: TEST_SECRET, redisPrefix },
          trustProxy: true,
          auth: { argon2: FAST_ARGON2 },
          consent: { auditSecret: TEST_SECRET, categories: CATEGORIES, anonymousWriteLimit: { max: 3, window: '1m' } },
        },
        clock,
        loginListener: NO_LOGIN_LISTENER,
        controllers: [ProbeController],
      })
    ).app;
    await app.get(AuthService).createUser('ann', PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    if (withRedis) await deleteRedisPrefix(redisPrefix);
  });

  it('PUT and DELETE /consent: 3 per address, then 429 with Retry-After; other addresses are not affected', async () => {
    for (let i = 0; i < 3; i++) expect((await decide('198.51.100.1')).status).toBe(200);
    const refused = await decide('198.51.100.1');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(setsVisitorCookie(refused)).toBe(false);
    expect((await http().delete('/consent').set('X-Forwarded-For', '198.51.100.1')).status).toBe(429);
    expect((await decide('198.51.100.2')).status).toBe(200);
  });

  it('parallel anonymous writes from one address: exactly 3 recorded', async () => {
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => decide('198.51.100.3'))))
      .map((r) => r.status)
      .sort();
    expect(statuses).toEqual([200, 200, 200, ...Array<number>(9).fill(429)]);
  });

  it('a signed-in user is not counted', async () => {
    for (let i = 0; i < 3; i++) await decide('198.51.100.4');
    const login = await http()
      .post('/auth/login')
      .set('X-Forwarded-For', '198.51.100.4')
      .send({ username: 'ann', password: PASSWORD })
      .expect(200);
    const cookie = sessionCookie(login)!;
    for (let i = 0; i < 5; i++) expect((await decide('198.51.100.4', cookie)).status).toBe(200);
  });

  it('GET /consent with Sec-GPC: 1 records the refusal up to the limit, then answers without recording', async () => {
    const gpc = () => http().get('/consent').set('X-Forwarded-For', '198.51.100.5').set('Sec-GPC', '1');
    for (let i = 0; i < 3; i++) {
      const res = await gpc();
      expect(res.status).toBe(200);
      expect(setsVisitorCookie(res)).toBe(true);
    }
    const over = await gpc();
    expect(over.status).toBe(200);
    expect(setsVisitorCookie(over)).toBe(false);
    expect(over.body.decisions?.analytics ?? false).toBe(false);
    // GPC reads are counted apart: decisions from the same address still go through.
    expect((await decide('198.51.100.5')).status).toBe(200);
  });
});
