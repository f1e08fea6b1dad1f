import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { authConsentMigrations } from '../migrations/index.js';
import { TypeOrmUserStore } from '../src/auth/typeorm-user.store.js';
import {
  AuthService,
  connectionOptionsFromUrl,
  type AuthConsentModuleOptions,
  type StoredUser,
  UserStore,
  UsernameTakenError,
} from '../src/index.js';
import { authConsentEntities } from '../src/database/entities.js';
import type { AdminAuditView } from '../src/admin/admin-audit.service.js';
import type { AdminUserView } from '../src/admin/admin-users.service.js';
import { setCookieLines } from './support/cookie-jar.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  MARIADB_URL,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const PASSWORD = 'users spec password 42';

describe('GET /admin/users and disabling accounts (PostgreSQL, Redis)', () => {
  const prefix = uniquePrefix('admu');
  const options: AuthConsentModuleOptions = {
    environment: 'test',
    redis: { url: REDIS_URL },
    database: { url: POSTGRES_URL, tablePrefix: prefix },
    session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
  };
  let app: INestApplication;
  const ids: Record<string, string> = {};
  const http = () => request(app.getHttpServer());

  async function signIn(username: string, userAgent = 'jest'): Promise<string> {
    const res = await http()
      .post('/auth/login')
      .set('User-Agent', userAgent)
      .send({ username, password: PASSWORD })
      .expect(200);
    const line = setCookieLines(res).find((c) => /^(__Host-)?sid=/.test(c));
    return line!.split(';')[0];
  }

  async function all(query: string, limit: number): Promise<{ pages: AdminUserView[][] }> {
    const pages: AdminUserView[][] = [];
    let cursor: string | null = null;
    do {
      const q: URLSearchParams = new URLSearchParams({ query, limit: String(limit), ...(cursor ? { cursor } : {}) });
      const res: request.Response = await http()
        .get(`/admin/users?${q}`)
        .set(...as(ADMIN))
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return { pages };
  }

  beforeAll(async () => {
    app = (await bootLibraryApp({ options: fastArgon2(options), appPipeAndFilter: true, signIn: [ADMIN, NOT_ADMIN] }))
      .app;
    const auth = app.get(AuthService);
    // Usernames are folded at creation: 'Ann' is stored as 'ann'; '_' and '%' are ordinary characters to the search.
    for (const name of ['Ann', 'ANNA', 'annabel', 'anne_x', 'annexe', 'ann%y', 'bob', 'Ånnika'])
      ids[name] = (await auth.createUser(name, PASSWORD, ['user'])).id;
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(`${prefix}:`);
  });

  it('is 401 signed out and 403 for a non-admin, and a non-admin changes nothing', async () => {
    for (const [method, path] of [
      ['get', '/admin/users?query=ann'],
      ['post', `/admin/users/${ids.bob}/disable`],
      ['post', `/admin/users/${ids.bob}/enable`],
    ] as const) {
      const out = await http()[method](path).expect(401);
      expect(out.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
      const denied = await http()
        [method](path)
        .set(...as(NOT_ADMIN))
        .expect(403);
      expect(denied.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    await signIn('bob');
  });

  it('finds users by case-folded username prefix, in username order, keyset-paged with every user exactly once', async () => {
    const { pages } = await all('ANN', 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]);
    // The database's collation orders punctuation; the set and the letters-only order are what is portable.
    expect(
      pages
        .flat()
        .map((u) => u.username)
        .sort(),
    ).toEqual(['ann', 'ann%y', 'anna', 'annabel', 'anne_x', 'annexe']);
    expect(
      pages
        .flat()
        .map((u) => u.username)
        .filter((n) => /^[a-z]+$/.test(n)),
    ).toEqual(['ann', 'anna', 'annabel', 'annexe']);
    expect(
      (await all('Anne', 100)).pages
        .flat()
        .map((u) => u.username)
        .sort(),
    ).toEqual(['anne_x', 'annexe']);
    // LIKE wildcards in the query are matched literally.
    expect((await all('anne_', 100)).pages.flat().map((u) => u.username)).toEqual(['anne_x']);
    expect((await all('ann%', 100)).pages.flat().map((u) => u.username)).toEqual(['ann%y']);
    expect((await all('ÅNN', 100)).pages.flat().map((u) => u.username)).toEqual(['ånnika']);
    expect((await all('nobody', 100)).pages).toEqual([[]]);
    // No query: every user, the admin spec users included.
    const everyone = (await all('', 3)).pages.flat().map((u) => u.username);
    expect(everyone).toEqual(expect.arrayContaining(['bob', ADMIN.username, NOT_ADMIN.username]));
    expect(new Set(everyone).size).toBe(everyone.length);
  });

  it('answers each user with roles, disabled, live session count and last sign-in; never a password hash', async () => {
    const before = Date.now();
    await signIn('annexe', 'phone');
    await signIn('annexe', 'laptop');
    const res = await http()
      .get('/admin/users?query=anne')
      .set(...as(ADMIN))
      .expect(200);
    res.body.items.sort((x: AdminUserView, y: AdminUserView) => x.username.localeCompare(y.username));
    expect(res.body).toEqual({
      items: [
        { id: ids.anne_x, username: 'anne_x', roles: ['user'], disabled: false, sessions: 0, lastSignInAt: null },
        {
          id: ids.annexe,
          username: 'annexe',
          roles: ['user'],
          disabled: false,
          sessions: 2,
          lastSignInAt: expect.any(String),
        },
      ],
      nextCursor: null,
    });
    expect(Date.parse(res.body.items[1].lastSignInAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(res.body)).not.toContain('argon2');
  });

  it('refuses bad parameters and a cursor of another query with 400 JSON', async () => {
    const first = await http()
      .get('/admin/users?query=ann&limit=1')
      .set(...as(ADMIN))
      .expect(200);
    for (const q of [
      'limit=0',
      'limit=101',
      'limit=x',
      'query=a&query=b',
      'nope=1',
      'cursor=abc',
      `query=bob&cursor=${first.body.nextCursor}`,
      `query=a%01b`,
    ]) {
      const res: request.Response = await http()
        .get(`/admin/users?${q}`)
        .set(...as(ADMIN))
        .expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
  });

  it('disables an account: every session is revoked, the login refused; enabling lets it sign in again; both audit-logged', async () => {
    const a = await signIn('annabel', 'a');
    const b = await signIn('annabel', 'b');
    const off = await http()
      .post(`/admin/users/${ids.annabel}/disable`)
      .set(...as(ADMIN))
      .expect(200);
    expect(off.body).toMatchObject({ id: ids.annabel, username: 'annabel', disabled: true, sessions: 0 });
    expect(off.headers['cache-control']).toBe('no-store');
    for (const cookie of [a, b]) await http().get('/auth/me').set('Cookie', cookie).expect(401);
    await http().post('/auth/login').send({ username: 'annabel', password: PASSWORD }).expect(401);
    expect(
      (
        await http()
          .get('/admin/users?query=annabel')
          .set(...as(ADMIN))
          .expect(200)
      ).body.items[0],
    ).toMatchObject({ disabled: true, sessions: 0 });

    const on = await http()
      .post(`/admin/users/${ids.annabel}/enable`)
      .set(...as(ADMIN))
      .expect(200);
    expect(on.body).toMatchObject({ id: ids.annabel, disabled: false });
    await signIn('annabel');

    const audit = (
      await http()
        .get(`/admin/audit?targetId=${ids.annabel}`)
        .set(...as(ADMIN))
        .expect(200)
    ).body.items as AdminAuditView[];
    expect(audit.map((e) => e.action)).toEqual(['user.enable', 'user.disable']);
    expect(audit[1]).toMatchObject({
      actor: { id: ADMIN.id, username: ADMIN.username },
      target: { type: 'user', id: ids.annabel },
    });
  });

  it('disable/enable: 404 for an unknown user, 400 for a malformed id, 409 for the admin themselves', async () => {
    await http()
      .post(`/admin/users/${randomUUID()}/disable`)
      .set(...as(ADMIN))
      .expect(404);
    await http()
      .post(`/admin/users/${randomUUID()}/enable`)
      .set(...as(ADMIN))
      .expect(404);
    await http()
      .post('/admin/users/a%20b/disable')
      .set(...as(ADMIN))
      .expect(400);
    await http()
      .post(`/admin/users/${ADMIN.id}/disable`)
      .set(...as(ADMIN))
      .expect(409);
    await http()
      .get('/auth/me')
      .set(...as(ADMIN))
      .expect(200);
  });
});

/** An app's own user store that cannot search (no searchByUsername). */
class MapUserStore extends UserStore {
  private readonly users = new Map<string, StoredUser>();
  async findByUsername(username: string): Promise<StoredUser | null> {
    return [...this.users.values()].find((u) => u.username === username) ?? null;
  }
  async findById(id: string): Promise<StoredUser | null> {
    return this.users.get(id) ?? null;
  }
  async create(user: { username: string; passwordHash: string; roles: string[] }): Promise<StoredUser> {
    if (await this.findByUsername(user.username)) throw new UsernameTakenError('taken');
    const now = new Date();
    const stored = { id: randomUUID(), ...user, disabled: false, passwordChangedAt: now, createdAt: now };
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

describe("GET /admin/users with an app's UserStore that cannot search", () => {
  const prefix = uniquePrefix('admn');
  let app: INestApplication;
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: fastArgon2({
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix: prefix },
          session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
          auth: { userStore: new MapUserStore() },
        }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(`${prefix}:`);
  });

  it('is 501 JSON saying so; the rest of the admin API works (sign-in is not broken by the missing recordLogin)', async () => {
    const res = await request(app.getHttpServer())
      .get('/admin/users?query=ro')
      .set(...as(ADMIN))
      .expect(501);
    expect(res.body).toEqual({
      statusCode: 501,
      error: 'Not Implemented',
      message: expect.stringContaining('UserStore'),
    });
    await request(app.getHttpServer())
      .get(`/admin/users/${NOT_ADMIN.id}/sessions`)
      .set(...as(ADMIN))
      .expect(200);
    await request(app.getHttpServer())
      .get('/admin/users?query=ro')
      .set(...as(NOT_ADMIN))
      .expect(403);
  });
});

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-user-search-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

describe.each([
  ['PostgreSQL', () => POSTGRES_URL],
  ['MariaDB', () => MARIADB_URL],
  ['SQLite', () => `sqlite:${join(sqliteDir, 'u.sqlite')}`],
])('TypeOrmUserStore search and last sign-in on %s', (_name, url) => {
  it('matches a literal prefix in username order after the cursor, and records sign-ins', async () => {
    const prefix = uniquePrefix('usr');
    const ds = new DataSource({
      ...connectionOptionsFromUrl(url(), prefix),
      entities: authConsentEntities,
      migrations: authConsentMigrations,
    });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
      const store = new TypeOrmUserStore(ds);
      for (const username of ['ann', 'ann%y', 'ann_z', 'anna', 'annb', 'bob', 'an!n'])
        await store.create({ username, passwordHash: 'x', roles: ['user'] });
      const names = async (prefix: string, after?: string, limit = 10) =>
        (await store.searchByUsername({ prefix, limit, after })).map((u) => u.username);
      const ordered = await names('ann');
      expect([...ordered].sort()).toEqual(['ann', 'ann%y', 'ann_z', 'anna', 'annb']);
      // Keyset: the page after the second name is the rest, in the database's own order.
      expect(await names('ann', ordered[1], 2)).toEqual(ordered.slice(2, 4));
      expect(await names('ann', ordered[4])).toEqual([]);
      expect(await names('ann_')).toEqual(['ann_z']);
      expect(await names('ann%')).toEqual(['ann%y']);
      expect(await names('an!')).toEqual(['an!n']);
      expect(await names('')).toHaveLength(7);
      const ann = (await store.findByUsername('ann'))!;
      expect(ann.lastLoginAt).toBeNull();
      const at = new Date('2026-01-02T03:04:05.678Z');
      await store.recordLogin(ann.id, at);
      expect((await store.findById(ann.id))!.lastLoginAt!.getTime()).toBe(at.getTime());
    } finally {
      await ds.undoLastMigration().catch(() => undefined);
      await ds.destroy();
      if (!url().startsWith('sqlite')) await dropPrefixedTables(url(), prefix).catch(() => undefined);
    }
  });
});
