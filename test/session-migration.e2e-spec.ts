import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { AuthService, type AuthConsentModuleOptions } from '../src/index.js';
import { decodeStoredSession } from '../src/session/stored-session.codec.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { indexKeyOf, sessionKeyOf } from './support/session-keys.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const tablePrefix = uniquePrefix('mig');
const redisPrefix = `${tablePrefix}:`;
const legacyPrefix = `${tablePrefix}-sess:`;

async function createModuleApp(session: AuthConsentModuleOptions['session']): Promise<INestApplication> {
  const options = {
    environment: 'test',
    redis: { url: REDIS_URL },
    database: { url: POSTGRES_URL, tablePrefix },
    session: { secret: TEST_SECRET, redisPrefix, ...session },
    auth: { argon2: FAST_ARGON2 },
  };
  return (await bootLibraryApp({ options, logger: false, init: false })).app;
}

async function bootModuleApp(session: AuthConsentModuleOptions['session']): Promise<INestApplication> {
  const app = await createModuleApp(session);
  await app.init();
  return app;
}

/** The stack apps glue by hand today: express-session + connect-redis + Passport, as their READMEs set them up. */
function handGluedApp(client: RedisClientType, userId: string) {
  const app = express();
  app.use(
    session({
      store: new RedisStore({ client, prefix: legacyPrefix }),
      secret: TEST_SECRET,
      resave: false,
      saveUninitialized: false,
    }),
  );
  const instance = new passport.Passport();
  instance.serializeUser((user: Express.User, done) => done(null, (user as { id: string }).id));
  app.use(instance.initialize());
  app.use(instance.session());
  app.post('/login', (req, res, next) =>
    req.logIn({ id: userId } as Express.User, (err) => (err ? next(err) : res.json({ ok: true }))),
  );
  app.post('/cart', (req, res) => {
    (req.session as unknown as Record<string, unknown>).cart = ['book'];
    res.json({ ok: true });
  });
  return app;
}

describe('moving from express-session + connect-redis', () => {
  let app: INestApplication;
  let redis: RedisClientType;
  let userId: string;

  beforeAll(async () => {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
    app = await bootModuleApp({ cookieName: 'connect.sid', legacyPrefix });
    userId = (await app.get(AuthService).createUser('legacy', 'a long enough password')).id;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await deleteRedisPrefix(redisPrefix);
    await deleteRedisPrefix(legacyPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('keeps a signed-in session of the old stack signed in: read once, moved under a new ID, the old key deleted', async () => {
    const old = handGluedApp(redis, userId);
    await request(old)
      .post('/cart')
      .expect(200)
      .then(async (guest) => {
        const guestCookie = sessionCookie(guest, 'connect.sid')!;
        const login = await request(old).post('/login').set('Cookie', guestCookie).expect(200);
        const oldCookie = sessionCookie(login, 'connect.sid')!;
        expect(await redis.keys(`${legacyPrefix}*`)).toHaveLength(1);

        const first = await request(app.getHttpServer()).get('/auth/me').set('Cookie', oldCookie).expect(200);
        expect(first.body.user.username).toBe('legacy');
        const moved = sessionCookie(first, 'connect.sid')!;
        expect(moved).toBeDefined();
        expect(moved).not.toBe(oldCookie);
        expect(await redis.keys(`${legacyPrefix}*`)).toHaveLength(0);
        expect(await redis.zCard(indexKeyOf(redisPrefix, userId))).toBe(1);

        // The new cookie is a module session; the old one is spent.
        await request(app.getHttpServer()).get('/auth/me').set('Cookie', moved).expect(200);
        await request(app.getHttpServer()).get('/auth/me').set('Cookie', oldCookie).expect(401);
        const sessions = await request(app.getHttpServer()).get('/auth/sessions').set('Cookie', moved).expect(200);
        expect(sessions.body).toHaveLength(1);
      });
  });

  it('moves a guest session of the old stack with its data, signed in to nobody', async () => {
    const guest = await request(handGluedApp(redis, userId)).post('/cart').expect(200);
    const oldCookie = sessionCookie(guest, 'connect.sid')!;
    const first = await request(app.getHttpServer()).get('/auth/me').set('Cookie', oldCookie).expect(401);
    const moved = sessionCookie(first, 'connect.sid')!;
    expect(moved).toBeDefined();
    expect(await redis.keys(`${legacyPrefix}*`)).toHaveLength(0);
    expect(decodeStoredSession(await redis.get(sessionKeyOf(redisPrefix, moved)))!.data).toEqual({ cart: ['book'] });
  });
});

describe('an app that mounts a session middleware of its own', () => {
  it('is stopped at boot with one sentence naming the conflict and the fix', async () => {
    const app = await createModuleApp({});
    app.use(session({ secret: TEST_SECRET, resave: false, saveUninitialized: false }));
    await expect(app.init()).rejects.toThrow(
      /Another session middleware .* is mounted besides AuthConsentModule.*remove the app's own/,
    );
    await app.close();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });
});
