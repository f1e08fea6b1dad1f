import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type INestApplication, ServiceUnavailableException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuthService, UserStore, UsernameTakenError, type StoredUser } from '../src/index.js';
import { TestClock } from './support/clock.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2, NO_LOGIN_LISTENER } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import { deleteRedisPrefix, REDIS_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const PASSWORD = 'correct horse battery';

/** Users in a Map; `fail` makes every read throw (a user store outage: the login answers 503). */
class MapUserStore extends UserStore {
  fail = false;
  private readonly users = new Map<string, StoredUser>();

  private up(): void {
    if (this.fail) throw new ServiceUnavailableException('user store down');
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    this.up();
    return [...this.users.values()].find((u) => u.username === username) ?? null;
  }

  async findById(id: string): Promise<StoredUser | null> {
    this.up();
    return this.users.get(id) ?? null;
  }

  async create(user: { username: string; passwordHash: string; roles: string[] }): Promise<StoredUser> {
    if ([...this.users.values()].some((u) => u.username === user.username)) throw new UsernameTakenError(user.username);
    const stored = { ...user, id: randomUUID(), disabled: false, passwordChangedAt: new Date(), createdAt: new Date() };
    this.users.set(stored.id, stored);
    return stored;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    this.users.get(id)!.passwordHash = passwordHash;
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    this.users.get(id)!.disabled = disabled;
  }
}

const count = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

/**
 * Issue 15, item 1: the guard read the counters before argon2 and counted the failure after it, so parallel
 * wrong passwords all passed one read (40 × 401 for one account; the per-address limit was passed too). Each
 * attempt now takes a slot atomically with the check, before the password is verified.
 */
describe.each([
  ['Redis', true],
  ['the in-process backend', false],
])('parallel attempts against the throttle (%s)', (_name, withRedis) => {
  const redisPrefix = `${uniquePrefix('race')}:`;
  const store = new MapUserStore();
  let app: INestApplication;
  let auth: AuthService;
  const http = () => request(app.getHttpServer());
  const login = (username: string, ip: string, password = 'wrong') =>
    http().post('/auth/login').set('X-Forwarded-For', ip).send({ username, password });
  const changePassword = (cookie: string, ip: string, currentPassword = 'wrong') =>
    http()
      .post('/auth/password')
      .set('Cookie', cookie)
      .set('X-Forwarded-For', ip)
      .send({ currentPassword, newPassword: 'a brand new password' });
  const parallel = async (n: number, attempt: (i: number) => PromiseLike<{ status: number }>) =>
    (await Promise.all(Array.from({ length: n }, (_, i) => attempt(i)))).map((r) => r.status);

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          ...(withRedis ? { redis: { url: REDIS_URL } } : {}),
          database: { url: 'sqlite::memory:' },
          session: { secret: TEST_SECRET, redisPrefix },
          trustProxy: true,
          auth: { argon2: FAST_ARGON2, userStore: store },
        },
        clock: new TestClock(),
        loginListener: NO_LOGIN_LISTENER,
        controllers: [ProbeController],
      })
    ).app;
    auth = app.get(AuthService);
  });

  afterAll(async () => {
    await app?.close();
    if (withRedis) await deleteRedisPrefix(redisPrefix);
  });

  it('30 parallel wrong logins for one account: the free allowance (5) answered 401, the rest 429', async () => {
    await auth.createUser('alice', PASSWORD);
    const statuses = await parallel(30, (i) => login('alice', `198.51.100.${i + 1}`));
    expect(count(statuses)).toEqual({ 401: 5, 429: 25 });
    // The 429s were not counted: the account waits the base delay, not a back-off grown by 25 refusals.
    const refused = await login('alice', '198.51.100.200', PASSWORD);
    expect([refused.status, refused.headers['retry-after']]).toEqual([429, '1']);
  });

  it('30 parallel wrong logins for as many accounts from one address: 20 answered 401, the rest 429', async () => {
    const statuses = await parallel(30, (i) => login(`spray-${i}`, '203.0.113.10'));
    expect(count(statuses)).toEqual({ 401: 20, 429: 10 });
    expect((await login('nobody-else', '203.0.113.10')).status).toBe(429);
    expect((await login('nobody-else', '203.0.113.11')).status).toBe(401);
  });

  it('30 parallel wrong current passwords on POST /auth/password for one account: 5 answered 403, the rest 429', async () => {
    await auth.createUser('bob', PASSWORD);
    const cookie = sessionCookie(await login('bob', '192.0.2.1', PASSWORD).expect(200))!;
    const statuses = await parallel(30, (i) => changePassword(cookie, `192.0.2.${i + 10}`));
    expect(count(statuses)).toEqual({ 403: 5, 429: 25 });
    // The login shares the account's counter.
    expect((await login('bob', '192.0.2.100', PASSWORD)).status).toBe(429);
  });

  it('30 parallel wrong current passwords on POST /auth/password from one address (30 accounts): 20 answered 403', async () => {
    const cookies: string[] = [];
    for (let i = 0; i < 30; i++) {
      await auth.createUser(`pw-${i}`, PASSWORD);
      cookies.push(sessionCookie(await login(`pw-${i}`, `10.1.0.${i + 1}`, PASSWORD).expect(200))!);
    }
    const statuses = await parallel(30, (i) => changePassword(cookies[i], '203.0.113.20'));
    expect(count(statuses)).toEqual({ 403: 20, 429: 10 });
  });

  it('a right password gives its slots back: 30 good logins from one address leave both counters free', async () => {
    await auth.createUser('carol', PASSWORD);
    // In flight, an attempt holds its slot (at most 5 parallel logins per account are let through at once).
    expect(count(await parallel(5, () => login('carol', '203.0.113.30', PASSWORD)))).toEqual({ 200: 5 });
    for (let i = 0; i < 25; i++) expect((await login('carol', '203.0.113.30', PASSWORD)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await login('carol', '203.0.113.30')).status).toBe(401);
    for (let i = 0; i < 15; i++) expect((await login(`other-${i}`, '203.0.113.30')).status).toBe(401);
    expect((await login('other-x', '203.0.113.30')).status).toBe(429);
  });

  it('a 503 (the user store down) gives both slots back: an outage leaves no failure counted', async () => {
    await auth.createUser('dave', PASSWORD);
    store.fail = true;
    for (let i = 0; i < 10; i++) expect((await login('dave', '203.0.113.40')).status).toBe(503);
    store.fail = false;
    for (let i = 0; i < 5; i++) expect((await login('dave', '203.0.113.40')).status).toBe(401);
    expect((await login('dave', '203.0.113.41', PASSWORD)).status).toBe(429);
    for (let i = 0; i < 15; i++) expect((await login(`else-${i}`, '203.0.113.40')).status).toBe(401);
    expect((await login('else-x', '203.0.113.40')).status).toBe(429);
  });
});
