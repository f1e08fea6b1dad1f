import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ChildApp } from './support/child-app.js';
import { FakeOAuth2Server } from './support/fake-oauth2-server.js';
import { installPackedApp } from './support/packed-app.js';
import { cookiePair } from './support/cookie-jar.js';
import { http } from './support/http-client.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

/** The packed library installed into a copy of test/consumer outside the repository (see installPackedApp). */
function installConsumer(tmp: string): string {
  return installPackedApp(tmp, 'test/consumer', ['@types/passport', '@types/oauth']);
}

describe('an outside app using the packed library (test/consumer)', () => {
  const prefix = uniquePrefix('consumer');
  const redisPrefix = `${prefix}r:`;
  let tmp: string;
  let shop: ChildApp;
  let db: DataSource;
  const email = 'Ada@Example.com';
  const password = 'correct horse battery';
  let cookie: string;
  const oauth = new FakeOAuth2Server();

  beforeAll(async () => {
    await oauth.start();
    tmp = mkdtempSync(join(tmpdir(), 'auth-consent-consumer-'));
    const app = installConsumer(tmp);
    shop = await ChildApp.start('dist/main.js', {
      cwd: app,
      port: await freePort(),
      ready: /shop listening/,
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: POSTGRES_URL,
        REDIS_URL,
        TABLE_PREFIX: prefix,
        REDIS_PREFIX: redisPrefix,
        SESSION_SECRET: TEST_SECRET,
        CONSENT_AUDIT_SECRET: `${TEST_SECRET}-audit`,
        OAUTH_BASE: oauth.url,
      },
    });
    db = new DataSource({ type: 'postgres', url: POSTGRES_URL });
    await db.initialize();
  }, 120_000);

  afterAll(async () => {
    await shop?.stop();
    await oauth.stop();
    await db?.destroy();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(redisPrefix);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('resolves the library from its installed package, not from the repository', () => {
    const installed = join(tmp, 'app/node_modules/nestjs-auth-consent');
    expect(realpathSync(installed).startsWith(realpathSync(tmp))).toBe(true);
    expect(existsSync(join(installed, 'dist/src/index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'dist/src/demo'))).toBe(false);
    expect(existsSync(join(installed, 'src'))).toBe(false);
  });

  it('ran the exported migrations and its own on its own connection', async () => {
    const rows: Array<{ name: string }> = await db.query(`SELECT name FROM "${prefix}migrations" ORDER BY id`);
    expect(rows.map((r) => r.name)).toEqual([
      'InitialSchema1763700000000',
      'ConsentAudit1763710000000',
      'AdminIndexes1763730000000',
      'ConsentEventFormat1763740000000',
      'UserLastSignIn1763750000000',
      'ConsentEventDetail1763770000000',
      'CreateShopCustomers1763800000000',
    ]);
    expect((await http(shop.url, 'GET', '/health')).body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
  });

  it('serves the banner script from the package', async () => {
    const banner = await http(shop.url, 'GET', '/consent/banner.js');
    expect(banner.status).toBe(200);
    expect(banner.headers.get('content-type')).toMatch(/javascript/);
    expect(String(banner.body)).toContain('window.AuthConsent');
  });

  it('signs up through AuthService into its own users table (its UserStore), and signs in', async () => {
    const signup = await http(shop.url, 'POST', '/shop/signup', { body: { email, password } });
    expect(signup.status).toBe(201);
    expect(await db.query(`SELECT email, roles FROM "${prefix}shop_customers"`)).toEqual([
      { email: 'ada@example.com', roles: 'customer' },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n FROM "${prefix}users"`)).toEqual([{ n: 0 }]);
    expect((await http(shop.url, 'POST', '/shop/signup', { body: { email, password } })).status).toBe(409);

    const wrong = await http(shop.url, 'POST', '/auth/login', {
      body: { username: email, password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    const login = await http(shop.url, 'POST', '/auth/login', { body: { username: email, password } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      user: { id: (signup.body as { id: string }).id, username: 'ada@example.com', roles: ['customer'] },
    });
    const sid = login.setCookies.find((c) => c.startsWith('sid='));
    expect(sid).toMatch(/HttpOnly/i);
    expect(sid).toMatch(/SameSite=Lax/i);
    cookie = cookiePair(login.setCookies, 'sid') as string;
  });

  it('guards its own route with AuthenticatedGuard and reads @CurrentUser', async () => {
    const signedOut = await http(shop.url, 'GET', '/shop/account');
    expect(signedOut.status).toBe(401);
    expect(signedOut.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const account = await http(shop.url, 'GET', '/shop/account', { cookie });
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({ username: 'ada@example.com', roles: ['customer'] });
  });

  it('serves its own categories and gates its own route and cookies with @RequiresConsent', async () => {
    const config = await http(shop.url, 'GET', '/consent/config');
    expect(config.body).toMatchObject({ policyVersion: '2026-11' });
    expect((config.body as { categories: Array<{ key: string }> }).categories.map((c) => c.key)).toEqual([
      'necessary',
      'personalisation',
      'ads',
    ]);

    const refused = await http(shop.url, 'GET', '/shop/recommendations', { cookie });
    expect(refused.status).toBe(403);
    expect((refused.body as { message: string }).message).toContain('personalisation');
    expect(
      cookiePair((await http(shop.url, 'GET', '/shop/landing', { cookie })).setCookies, 'shop_reco'),
    ).toBeUndefined();

    const put = await http(shop.url, 'PUT', '/consent', {
      cookie,
      body: { decisions: { personalisation: true, ads: false }, policyVersion: '2026-11' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      decisions: { necessary: true, personalisation: true, ads: false },
      needsConsent: false,
      consentMode: { ad_storage: 'denied' },
    });

    const allowed = await http(shop.url, 'GET', '/shop/recommendations', { cookie });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ items: ['p-42', 'p-7'], policyVersion: '2026-11' });
    expect(cookiePair(allowed.setCookies, 'shop_reco')).toBe('shop_reco=p-42');

    const landing = await http(shop.url, 'GET', '/shop/landing', { cookie });
    expect(cookiePair(landing.setCookies, 'shop_reco')).toBe('shop_reco=p-1');
    expect(cookiePair(landing.setCookies, 'shop_ads')).toBeUndefined();

    const events: Array<{ action: string; source: string }> = await db.query(
      `SELECT action, source FROM "${prefix}consent_events" WHERE subject_type = 'user' ORDER BY seq`,
    );
    expect(events).toEqual([{ action: 'grant', source: 'banner' }]);
  });

  it("gives its routes express-session's Session and req.sessionID", async () => {
    expect((await http(shop.url, 'GET', '/shop/session', { cookie })).body).toEqual({
      isSession: true,
      hasId: true,
      methods: ['regenerate', 'save', 'destroy', 'reload', 'touch'],
    });
  });

  it('signs in through the NestJS recipe (its own local strategy, AuthGuard + super.logIn, its serializer) and out through req.logOut', async () => {
    const login = await http(shop.url, 'POST', '/shop/recipe/login', { body: { email, password } });
    expect(login.status).toBe(200);
    const recipe = cookiePair(login.setCookies, 'sid') as string;
    expect(recipe).toBeDefined();
    expect(recipe).not.toBe(cookie);
    expect((await http(shop.url, 'GET', '/shop/account', { cookie: recipe })).body).toMatchObject({
      username: 'ada@example.com',
    });
    const sessions = (await http(shop.url, 'GET', '/auth/sessions', { cookie: recipe })).body as Array<{
      current: boolean;
    }>;
    expect(sessions.length).toBeGreaterThanOrEqual(2); // this one and the /auth/login one
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect((await http(shop.url, 'POST', '/shop/recipe/logout', { cookie: recipe })).status).toBe(204);
    expect((await http(shop.url, 'GET', '/shop/account', { cookie: recipe })).status).toBe(401);
    expect((await http(shop.url, 'GET', '/auth/sessions', { cookie })).body).toHaveLength(sessions.length - 1);
  });

  it('signs in with an OAuth2 provider (passport-oauth2, its state in a guest session) into a listed, revocable session', async () => {
    oauth.nextUser = 'ada@example.com';
    const start = await http(shop.url, 'GET', '/shop/oauth/start');
    expect(start.status).toBe(302);
    const guest = cookiePair(start.setCookies, 'sid') as string;
    expect(guest).toBeDefined();
    const authorize = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(authorize.headers.get('location')!);
    const callback = await http(shop.url, 'GET', `/shop/oauth/callback${back.search}`, { cookie: guest });
    expect(callback.status).toBe(200);
    const signedIn = cookiePair(callback.setCookies, 'sid') as string;
    expect(signedIn).not.toBe(guest);
    const listed = (await http(shop.url, 'GET', '/auth/sessions', { cookie: signedIn })).body as Array<{
      handle: string;
      current: boolean;
    }>;
    const mine = listed.find((s) => s.current)!;
    expect((await http(shop.url, 'DELETE', `/auth/sessions/${mine.handle}`, { cookie })).status).toBe(204);
    expect((await http(shop.url, 'GET', '/shop/account', { cookie: signedIn })).status).toBe(401);
  });

  it('signs out: the session is gone from Redis', async () => {
    expect((await http(shop.url, 'POST', '/auth/logout', { cookie })).status).toBe(204);
    expect((await http(shop.url, 'GET', '/shop/account', { cookie })).status).toBe(401);
  });
});
