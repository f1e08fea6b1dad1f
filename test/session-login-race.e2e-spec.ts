import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import {
  AuthService,
  SessionService,
  UserStore,
  type ResolvedAuthConsentOptions,
  type StoredUser,
} from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../src/auth-consent.constants.js';
import { PasswordHasher } from '../src/auth/password.hasher.js';
import { TypeOrmUserStore } from '../src/auth/typeorm-user.store.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { Gate } from './support/probe.controller.js';
import { indexKeyOf } from './support/session-keys.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';
import { createClient, type RedisClientType } from 'redis';

const tablePrefix = uniquePrefix('race');
const redisPrefix = `${tablePrefix}:`;
const OLD = 'the old password 1';
const NEW = 'the new password 2';
const IN_FLIGHT = 6;

/** Holds every password check that passed, once it is made, until the test opens the gate: logins in flight. */
class HeldHasher extends PasswordHasher {
  holding = false;
  held = 0;
  readonly gate = new Gate();

  override async verify(hash: string, password: string): Promise<boolean> {
    const ok = await super.verify(hash, password);
    if (this.holding) {
      this.held++;
      await this.gate.hold();
    }
    return ok;
  }
}

/** Holds every read of a user by name, once it is made, until the test opens the gate. */
class HeldUserStore extends TypeOrmUserStore {
  holding = false;
  held = 0;
  reads = 0;
  readonly gate = new Gate();

  override async findByUsername(username: string): Promise<StoredUser | null> {
    const user = await super.findByUsername(username);
    if (this.holding) {
      this.held++;
      await this.gate.hold();
    }
    return user;
  }

  override findById(id: string): Promise<StoredUser | null> {
    this.reads++;
    return super.findById(id);
  }
}

let app: INestApplication;
let auth: AuthService;
let hasher: HeldHasher;
let users: HeldUserStore;
let redis: RedisClientType;
const http = () => request(app.getHttpServer());

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

/** Starts logins that pass their password check and hold there; `revoke` runs while they are in flight. */
async function loginsAcross(
  username: string,
  revoke: () => Promise<unknown>,
): Promise<Array<{ status: number; cookie?: string }>> {
  hasher.gate.reset();
  hasher.held = 0;
  hasher.holding = true;
  const logins = Array.from({ length: IN_FLIGHT }, () =>
    http()
      .post('/auth/login')
      .send({ username, password: OLD })
      .then((r) => r),
  );
  await waitUntil(() => hasher.held === IN_FLIGHT);
  await revoke();
  hasher.holding = false;
  hasher.gate.open();
  return (await Promise.all(logins)).map((r) => ({ status: r.status, cookie: sessionCookie(r) }));
}

/** Every session those logins left behind must be dead, and the user's index empty. */
async function expectNoLiveSession(results: Array<{ status: number; cookie?: string }>, userId: string): Promise<void> {
  for (const r of results) {
    expect([200, 401]).toContain(r.status);
    if (r.cookie) await http().get('/auth/me').set('Cookie', r.cookie).expect(401);
  }
  expect(await redis.zCard(indexKeyOf(redisPrefix, userId))).toBe(0);
}

describe('a login in flight never survives a revocation of its user (PostgreSQL + Redis)', () => {
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          auth: { argon2: FAST_ARGON2, throttle: { accountFreeFailures: 1000, ipFreeFailures: 1000 } },
        },
        overrides: [
          {
            provide: PasswordHasher,
            inject: [AUTH_CONSENT_OPTIONS],
            useFactory: (options: ResolvedAuthConsentOptions) => new HeldHasher(options),
          },
          {
            provide: UserStore,
            inject: [AUTH_CONSENT_DATA_SOURCE],
            useFactory: (dataSource: DataSource) => new HeldUserStore(dataSource),
          },
        ],
      })
    ).app;
    auth = app.get(AuthService);
    hasher = app.get(PasswordHasher) as HeldHasher;
    users = app.get(UserStore) as HeldUserStore;
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  let userId: string;
  let username: string;
  beforeEach(async () => {
    username = `u${Math.random().toString(36).slice(2, 10)}`;
    userId = (await auth.createUser(username, OLD)).id;
  });

  // A returning user's ID is known from the earlier login: the epoch is then read before the user row, and
  // the login reads no user a second time. A first sign-in reads the user again before storing the session.
  describe.each([
    ['a first sign-in in this process', false],
    ['a returning user', true],
  ])('%s', (_name, returning) => {
    beforeEach(async () => {
      if (returning) await http().post('/auth/login').send({ username, password: OLD }).expect(200);
    });

    it('password change: logins that verified the old password store no session', async () => {
      const results = await loginsAcross(username, () => auth.setPassword(userId, NEW));
      expect(results.every((r) => r.status === 401)).toBe(true);
      await expectNoLiveSession(results, userId);
      // The new password works.
      await http().post('/auth/login').send({ username, password: NEW }).expect(200);
    });

    it('disabling the user: logins in flight store no session', async () => {
      const results = await loginsAcross(username, () => auth.disableUser(userId));
      await expectNoLiveSession(results, userId);
    });

    it('an administrator revoking all sessions: logins in flight store no session, later ones work', async () => {
      const results = await loginsAcross(username, () => app.get(SessionService).revokeAllForUser(userId));
      expect(results.every((r) => r.status === 401)).toBe(true);
      await expectNoLiveSession(results, userId);
      const later = await http().post('/auth/login').send({ username, password: OLD }).expect(200);
      await http().get('/auth/me').set('Cookie', sessionCookie(later)!).expect(200);
    });

    it('disabling the user just after the user is read (before its epoch would be, on a first sign-in): no session', async () => {
      users.gate.reset();
      users.held = 0;
      users.holding = true;
      const logins = Array.from({ length: IN_FLIGHT }, () =>
        http()
          .post('/auth/login')
          .send({ username, password: OLD })
          .then((r) => r),
      );
      await waitUntil(() => users.held === IN_FLIGHT);
      await auth.disableUser(userId);
      users.holding = false;
      users.gate.open();
      const results = (await Promise.all(logins)).map((r) => ({ status: r.status, cookie: sessionCookie(r) }));
      expect(results.every((r) => r.status === 401)).toBe(true);
      await expectNoLiveSession(results, userId);
    });

    it(returning ? 'reads the user once per login' : 'reads the user again before storing the session', async () => {
      const before = users.reads;
      await http().post('/auth/login').send({ username, password: OLD }).expect(200);
      // A first sign-in's second read; a returning user's login has none.
      expect(users.reads - before).toBe(returning ? 0 : 1);
    });
  });
});
