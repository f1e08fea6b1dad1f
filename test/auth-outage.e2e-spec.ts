import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { sessionCookie } from './support/cookie-jar.js';
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

const tablePrefix = uniquePrefix('autho');
const PASSWORD = 'correct horse battery';
let redisServer: PrivateRedis;
let app: INestApplication;
let probe: RedisClientType;

const http = () => request(app.getHttpServer());

async function commandCalls(): Promise<number> {
  const info = await probe.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([a-z|_]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

describe('Redis outage and cost per request (private Redis)', () => {
  beforeAll(async () => {
    redisServer = await PrivateRedis.start();
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: redisServer.url },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET },
          auth: { argon2: FAST_ARGON2 },
        },
        controllers: [ProbeController],
      })
    ).app;
    await app.get(AuthService).createUser('olive', PASSWORD);
    probe = createClient({ url: redisServer.url });
    await probe.connect();
  });

  afterAll(async () => {
    await app?.close();
    probe?.destroy();
    await redisServer?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('costs exactly one Redis command per signed-in read in steady state', async () => {
    const cookie = sessionCookie(
      await http().post('/auth/login').send({ username: 'olive', password: PASSWORD }).expect(200),
    )!;
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    const before = await commandCalls();
    const reads = 20;
    for (let i = 0; i < reads; i++) await http().get('/auth/me').set('Cookie', cookie).expect(200);
    const perRead = ((await commandCalls()) - before) / reads;
    process.stdout.write(`Redis commands per signed-in read: ${perRead}\n`);
    expect(perRead).toBe(1);
  });

  it('spends no Redis command and sets no session cookie on anonymous page views', async () => {
    const before = await commandCalls();
    for (let i = 0; i < 10; i++) {
      const res = await http().get('/test/public').set('Cookie', 'consent_visitor=x; other=1').expect(200);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await http().get('/auth/me').expect(401);
    expect((await commandCalls()) - before).toBe(0);
  });

  it('answers 503 quickly on protected routes while Redis is down, keeps public routes up, and recovers by itself', async () => {
    const cookie = sessionCookie(
      await http().post('/auth/login').send({ username: 'olive', password: PASSWORD }).expect(200),
    )!;
    probe.destroy();
    await redisServer.stop();

    const started = Date.now();
    const me = await http().get('/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(503);
    expect(me.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    expect(Date.now() - started).toBeLessThan(2500);
    expect((await http().get('/test/private').set('Cookie', cookie)).status).toBe(503);
    expect((await http().get('/test/admin').set('Cookie', cookie)).status).toBe(503);
    expect((await http().get('/auth/sessions').set('Cookie', cookie)).status).toBe(503);
    expect((await http().post('/auth/login').send({ username: 'olive', password: PASSWORD })).status).toBe(503);
    expect((await http().post('/auth/logout').set('Cookie', cookie)).status).toBe(503);
    // Public routes keep working, with or without a session cookie.
    await http().get('/test/public').expect(200);
    await http().get('/test/public').set('Cookie', cookie).expect(200);

    await redisServer.start();
    probe = createClient({ url: redisServer.url });
    await probe.connect();
    // The Redis server lost its data (no persistence): the old session is gone, so a fresh login must work.
    await waitFor(
      async () => (await http().post('/auth/login').send({ username: 'olive', password: PASSWORD })).status === 200,
      10_000,
      'login after Redis returns',
    );
    const fresh = sessionCookie(
      await http().post('/auth/login').send({ username: 'olive', password: PASSWORD }).expect(200),
    )!;
    await http().get('/auth/me').set('Cookie', fresh).expect(200);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
  });
});
