import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type INestApplication, ServiceUnavailableException } from '@nestjs/common';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { sessionHandle } from '../src/session/session-id.js';
import { TestClock } from './support/clock.js';
import { sessionCookie, sessionCookieLine } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
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

const tablePrefix = uniquePrefix('authl');
const redisPrefix = `${tablePrefix}:`;
const clock = new TestClock();
const PASSWORD = 'correct horse battery';
let app: INestApplication;
let redis: RedisClientType;
let auth: AuthService;

const http = () => request(app.getHttpServer());
/** No consent linking here (the session layer's allow-list is under test); it can be made to fail. */
const listener = {
  fail: false,
  async afterLogin(): Promise<void> {
    if (listener.fail) throw new ServiceUnavailableException('listener down');
  },
};

function login(username: string, password = PASSWORD, extra: Record<string, unknown> = {}, cookie?: string) {
  const req = http()
    .post('/auth/login')
    .send({ username, password, ...extra });
  if (cookie) req.set('Cookie', cookie);
  return req;
}

async function loginCookie(username: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await login(username, PASSWORD, extra);
  expect(res.status).toBe(200);
  return sessionCookie(res)!;
}

const sessionKey = (cookie: string) => sessionKeyOf(redisPrefix, cookie);

describe('login and sessions (PostgreSQL + Redis)', () => {
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          trustProxy: true,
          auth: { argon2: FAST_ARGON2, touchInterval: '1m' },
        },
        clock,
        loginListener: listener,
        controllers: [ProbeController],
      })
    ).app;
    auth = app.get(AuthService);
    await auth.createUser('Alice', PASSWORD);
    await auth.createUser('bob', PASSWORD);
    await auth.createUser('root', PASSWORD, ['admin']);
    await auth.createUser('carol', PASSWORD);
    await auth.createUser('dave', PASSWORD);
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('logs in with a case-folded username and answers /auth/me', async () => {
    const res = await login('ALICE');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: { id: expect.any(String), username: 'alice', roles: [] } });
    const me = await http().get('/auth/me').set('Cookie', sessionCookie(res)!).expect(200);
    expect(me.body.user.username).toBe('alice');
    expect(me.body.session).toMatchObject({
      createdAt: expect.any(String),
      lastSeenAt: expect.any(String),
      idleExpiresAt: expect.any(String),
      absoluteExpiresAt: expect.any(String),
    });
    await http().get('/auth/me').expect(401);
  });

  it('answers the same 401 for an unknown user, a wrong password and a disabled account', async () => {
    const disabled = await auth.createUser('mallory', PASSWORD);
    await auth.disableUser(disabled.id);
    const bodies = [
      (await login('nobody-here')).body,
      (await login('bob', 'wrong password')).body,
      (await login('mallory')).body,
    ];
    for (const body of bodies)
      expect(body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' });
  });

  it('rejects a malformed login body with 400 and no session', async () => {
    const res = await http().post('/auth/login').send({ username: 'bob', password: 5 });
    expect(res.status).toBe(400);
    expect(sessionCookie(res)).toBeUndefined();
    expect((await http().post('/auth/login').send({ username: 'bob', password: PASSWORD, admin: true })).status).toBe(
      400,
    );
  });

  it('sets a browser-session cookie by default: HttpOnly, SameSite=Lax, Path=/, no Domain/Expires/Max-Age, no-store', async () => {
    const res = await login('bob');
    const line = sessionCookieLine(res)!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Domain=|Expires=|Max-Age=|Secure/i);
    expect(res.headers['cache-control']).toBe('no-store');
    const ttl = await redis.pTTL(sessionKey(sessionCookie(res)!));
    expect(ttl).toBeGreaterThan(30 * 60_000 - 5000);
    expect(ttl).toBeLessThanOrEqual(30 * 60_000);
  });

  it('sets a persistent cookie with remember: true, whose expiry agrees with the Redis TTL, and marks the session', async () => {
    const realClock = clock.ms;
    clock.ms = Date.now();
    try {
      const res = await login('bob', PASSWORD, { remember: true });
      const line = sessionCookieLine(res)!;
      const expires = Date.parse(/Expires=([^;]+)/.exec(line)![1]);
      expect(expires - Date.now()).toBeGreaterThan(7 * 86_400_000 - 5000);
      expect(expires - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
      const redisExpiry = Date.now() + (await redis.pTTL(sessionKey(sessionCookie(res)!)));
      expect(Math.abs(redisExpiry - expires)).toBeLessThan(3000);
      const sessions = await http().get('/auth/sessions').set('Cookie', sessionCookie(res)!).expect(200);
      expect(sessions.body.find((s: { current: boolean }) => s.current)).toMatchObject({ remember: true });
    } finally {
      clock.ms = realClock;
    }
  });

  it.each([
    ['writeHead', ''],
    ['its alias writeHeader', '?alias=1'],
  ])(
    'issues the session cookie with no-store even when the route passes Cache-Control and Set-Cookie to %s',
    async (_how, query) => {
      const res = await http().post(`/test/raw-headers${query}`).expect(200);
      const cookies = res.headers['set-cookie'] as unknown as string[];
      expect(cookies.find((c) => c.startsWith('app_pref='))).toBeDefined();
      expect(sessionCookie(res)).toBeDefined();
      expect(res.headers['cache-control']).toBe('no-store');
      expect(decodeStoredSession(await redis.get(sessionKey(sessionCookie(res)!)))!.data).toEqual({
        note: 'set before raw headers',
      });
    },
  );

  it('regenerates the session ID at login and re-login; the old ID is dead in the store; only consent carries over', async () => {
    const visitor = await http().post('/test/visitor').expect(201);
    const pre = sessionCookie(visitor)!;
    expect(await redis.exists(sessionKey(pre))).toBe(1);

    const first = await login('carol', PASSWORD, {}, pre);
    const a = sessionCookie(first)!;
    expect(a).not.toBe(pre);
    expect(await redis.exists(sessionKey(pre))).toBe(0);
    await http().get('/auth/me').set('Cookie', pre).expect(401);
    const data = decodeStoredSession(await redis.get(sessionKey(a)))!.data;
    expect(data.consent).toEqual({ analytics: true });
    expect(data.cart).toBeUndefined();

    const second = await login('carol', PASSWORD, {}, a);
    const b = sessionCookie(second)!;
    expect(b).not.toBe(a);
    expect(await redis.exists(sessionKey(a))).toBe(0);
    await http().get('/auth/me').set('Cookie', a).expect(401);
    await http().get('/auth/me').set('Cookie', b).expect(200);
  });

  it('never stores the raw session ID in Redis keys or values', async () => {
    const cookie = await loginCookie('alice');
    await http().get('/auth/sessions').set('Cookie', cookie).expect(200);
    const sid = rawSessionId(cookie);
    let scanned = 0;
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) {
      for (const key of keys) {
        scanned++;
        expect(key).not.toContain(sid);
        const type = await redis.type(key);
        const values =
          type === 'hash'
            ? Object.values(await redis.hGetAll(key))
            : type === 'zset'
              ? await redis.zRange(key, 0, -1)
              : [String(await redis.get(key))];
        for (const value of values) expect(value).not.toContain(sid);
      }
    }
    expect(scanned).toBeGreaterThan(2);
  });

  it('keeps a browser user agent in Redis in shorthand and lists it in full', async () => {
    const agent =
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
    const res = await http()
      .post('/auth/login')
      .set('User-Agent', agent)
      .send({ username: 'dave', password: PASSWORD })
      .expect(200);
    const cookie = sessionCookie(res)!;
    const stored = String(await redis.get(sessionKey(cookie)));
    expect(stored).not.toContain('AppleWebKit');
    expect(stored.length).toBeLessThan(150);
    const list = await http().get('/auth/sessions').set('Cookie', cookie).expect(200);
    expect(list.body.find((s: { current: boolean }) => s.current).userAgent).toBe(agent);
    await http().post('/auth/logout').set('Cookie', cookie).expect(204);
  });

  it('lists sessions with opaque handles, revokes one, then all others', async () => {
    const [c1, c2, c3] = [await loginCookie('dave'), await loginCookie('dave'), await loginCookie('dave')];
    const list = await http().get('/auth/sessions').set('Cookie', c1).expect(200);
    expect(list.body).toHaveLength(3);
    expect(list.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    for (const s of list.body) {
      expect(Object.keys(s).sort()).toEqual([
        'createdAt',
        'current',
        'handle',
        'ip',
        'lastSeenAt',
        'remember',
        'userAgent',
      ]);
      for (const c of [c1, c2, c3]) expect(s.handle).not.toContain(rawSessionId(c));
    }
    expect(list.body.find((s: { current: boolean }) => s.current).handle).toBe(sessionHandle(rawSessionId(c1)));

    await http()
      .delete(`/auth/sessions/${sessionHandle(rawSessionId(c2))}`)
      .set('Cookie', c1)
      .expect(204);
    await http().get('/auth/me').set('Cookie', c2).expect(401);
    await http().get('/auth/me').set('Cookie', c3).expect(200);

    const bobs = await loginCookie('bob');
    await http()
      .delete(`/auth/sessions/${sessionHandle(rawSessionId(bobs))}`)
      .set('Cookie', c1)
      .expect(404);
    await http().get('/auth/me').set('Cookie', bobs).expect(200);
    await http().delete('/auth/sessions/not-a-handle').set('Cookie', c1).expect(404);

    await http().delete('/auth/sessions').set('Cookie', c1).expect(204);
    await http().get('/auth/me').set('Cookie', c3).expect(401);
    await http().get('/auth/me').set('Cookie', c1).expect(200);
    expect((await http().get('/auth/sessions').set('Cookie', c1).expect(200)).body).toHaveLength(1);
  });

  it('changes the password: other sessions revoked, current ID re-issued, consent kept, old password refused', async () => {
    const erin = await auth.createUser('erin', PASSWORD);
    // A consent snapshot bound to erin, as the consent feature keeps it: the gate accepts it as it is.
    const snapshot = {
      v: '1',
      d: { necessary: true, analytics: true },
      at: clock.now(),
      exp: clock.now() + 86_400_000,
      gpc: false,
      sub: `user:${erin.id}`,
    };
    const visitor = sessionCookie(await http().post('/test/visitor').send({ consent: snapshot }).expect(201))!;
    const mine = sessionCookie(await login('erin', PASSWORD, {}, visitor))!;
    const other = await loginCookie('erin');
    await http()
      .post('/auth/password')
      .set('Cookie', mine)
      .send({ currentPassword: 'not it at all', newPassword: 'a brand new passphrase' })
      .expect(403);
    await http()
      .post('/auth/password')
      .set('Cookie', mine)
      .send({ currentPassword: PASSWORD, newPassword: 'short' })
      .expect(400);
    const res = await http()
      .post('/auth/password')
      .set('Cookie', mine)
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(204);
    const renewed = sessionCookie(res)!;
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(mine);
    await http().get('/auth/me').set('Cookie', mine).expect(401);
    await http().get('/auth/me').set('Cookie', other).expect(401);
    await http().get('/auth/me').set('Cookie', renewed).expect(200);
    expect(decodeStoredSession(await redis.get(sessionKey(renewed)))!.data.consent).toEqual(snapshot);
    expect((await login('erin')).status).toBe(401);
    expect((await login('erin', 'a brand new passphrase')).status).toBe(200);
  });

  it('disabling a user revokes every one of their sessions at once', async () => {
    const user = await auth.createUser('frank', PASSWORD);
    const cookies = [await loginCookie('frank'), await loginCookie('frank')];
    expect(await auth.disableUser(user.id)).toBe(2);
    for (const c of cookies) await http().get('/auth/me').set('Cookie', c).expect(401);
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(0);
  });

  it('a login whose listener fails leaves no usable session and sends no session cookie', async () => {
    const user = (await auth.verifyCredentials('bob', PASSWORD))!;
    const before = await redis.zCard(indexKeyOf(redisPrefix, user.id));
    listener.fail = true;
    try {
      const res = await login('bob').expect(503);
      expect(sessionCookie(res)).toBeUndefined();
    } finally {
      listener.fail = false;
    }
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(before);
  });

  it('logs out: 204, session and index entry gone, cookie expired', async () => {
    const user = await auth.createUser('gina', PASSWORD);
    const cookie = await loginCookie('gina');
    const res = await http().post('/auth/logout').set('Cookie', cookie).expect(204);
    expect(sessionCookieLine(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await redis.exists(sessionKey(cookie))).toBe(0);
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(0);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
  });

  it('enforces the idle timeout on the server and slides it at most once per touch interval', async () => {
    const cookie = await loginCookie('alice');
    const key = sessionKey(cookie);
    // With no login listener here, the first request stores the user's consent snapshot once.
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    const before = await redis.get(key);
    clock.advance(30_000);
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    expect(await redis.get(key)).toBe(before); // within the interval: nothing written
    clock.advance(60_000);
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    const [was, slid] = [decodeStoredSession(before)!, decodeStoredSession(await redis.get(key))!];
    expect(slid.meta!.lastSeenAt).toBe(was.meta!.lastSeenAt + 90_000); // slid once
    expect(slid.data).toEqual(was.data);
    clock.advance(29 * 60_000);
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    clock.advance(30 * 60_000 + 1);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
    expect(await redis.exists(key)).toBe(0);
  });

  it('enforces the absolute timeout (12 h from login) however active the session is', async () => {
    const cookie = await loginCookie('alice');
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      clock.advance(20 * 60_000);
      await http().get('/auth/me').set('Cookie', cookie).expect(200);
    }
    clock.advance(20 * 60_000);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
  });

  it('RolesGuard: 401 signed out, 403 without the role, 200 with it', async () => {
    await http().get('/test/admin').expect(401);
    await http()
      .get('/test/admin')
      .set('Cookie', await loginCookie('bob'))
      .expect(403);
    await http()
      .get('/test/admin')
      .set('Cookie', await loginCookie('root'))
      .expect(200);
  });

  it('refuses login CSRF and cross-origin unsafe requests with 403', async () => {
    const cross = await http()
      .post('/auth/login')
      .set('Origin', 'https://evil.example')
      .send({ username: 'bob', password: PASSWORD });
    expect(cross.status).toBe(403);
    expect(cross.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Cross-origin request refused' });
    expect(sessionCookie(cross)).toBeUndefined();
    await http()
      .post('/auth/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .send({ username: 'bob', password: PASSWORD })
      .expect(403);
    await http()
      .post('/auth/login')
      .set('Sec-Fetch-Site', 'same-origin')
      .send({ username: 'bob', password: PASSWORD })
      .expect(200);
    const cookie = await loginCookie('bob');
    await http().delete('/auth/sessions').set('Cookie', cookie).set('Origin', 'null').expect(403);
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
  });

  describe('throttling', () => {
    it('throttles one account across many client addresses, with Retry-After, and lets it in after the back-off', async () => {
      await auth.createUser('henry', PASSWORD);
      for (let i = 0; i < 5; i++) {
        const res = await login('henry', 'wrong').set('X-Forwarded-For', `198.51.100.${i + 1}`);
        expect(res.status).toBe(401);
      }
      // The 5th failure used up the free allowance: the 6th attempt waits the base delay, whatever the address.
      const refused = await login('henry').set('X-Forwarded-For', '203.0.113.9');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      clock.advance(Number(refused.headers['retry-after']) * 1000);
      expect((await login('henry').set('X-Forwarded-For', '203.0.113.9')).status).toBe(200);
    });

    it("clears the account's failures on a successful login", async () => {
      await auth.createUser('irene', PASSWORD);
      const attempt = (password: string | undefined, i: number) =>
        login('irene', password).set('X-Forwarded-For', `198.51.100.${100 + i}`);
      for (let i = 0; i < 4; i++) expect((await attempt('wrong', i)).status).toBe(401);
      expect((await attempt(undefined, 4)).status).toBe(200);
      // Counted from zero again: four more failures leave the free allowance unused, so the next good login is
      // not held back (eight uncleared failures would be).
      for (let i = 5; i < 9; i++) expect((await attempt('wrong', i)).status).toBe(401);
      expect((await attempt(undefined, 9)).status).toBe(200);
    });

    it('throttles unknown usernames exactly like known ones', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await login('ghost-user', 'wrong').set('X-Forwarded-For', `192.0.2.${i + 1}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    });

    it('throttles one client address spraying many accounts, not other addresses', async () => {
      for (let i = 0; i < 20; i++)
        expect((await login(`spray-${i}`, 'wrong').set('X-Forwarded-For', '203.0.113.50')).status).toBe(401);
      expect((await login('bob').set('X-Forwarded-For', '203.0.113.50')).status).toBe(429);
      expect((await login('bob').set('X-Forwarded-For', '203.0.113.51')).status).toBe(200);
    });
  });
});
