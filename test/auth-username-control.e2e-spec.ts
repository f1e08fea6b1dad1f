import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService, PasswordPolicyError } from '../src/index.js';
import { TestClock } from './support/clock.js';
import { bootLibraryApp, FAST_ARGON2, NO_LOGIN_LISTENER } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const tablePrefix = uniquePrefix('authc');
const redisPrefix = `${tablePrefix}:`;
const PASSWORD = 'correct horse battery';
let app: INestApplication;

const login = (username: string, ip: string, password = 'wrong') =>
  request(app.getHttpServer()).post('/auth/login').set('X-Forwarded-For', ip).send({ username, password });
const INVALID = { statusCode: 401, error: 'Unauthorized', message: 'Invalid username or password' };

/**
 * Issue 15, item 6: a NUL in the username was a 500 on PostgreSQL ("invalid byte sequence for encoding
 * UTF8: 0x00"), and the attempt was not counted by the throttle. A username with a control character is
 * one no account can have: the usual 401, the usual argon2 cost, counted like any unknown username.
 */
describe('usernames with control characters (PostgreSQL + Redis)', () => {
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          trustProxy: true,
          auth: { argon2: FAST_ARGON2 },
        },
        clock: new TestClock(),
        loginListener: NO_LOGIN_LISTENER,
        controllers: [ProbeController],
      })
    ).app;
    await app.get(AuthService).createUser('alice', PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it.each([
    ['NUL', 'alice\u0000'],
    ['NUL inside', 'al\u0000ice'],
    ['C0 control', 'alice\u0001'],
    ['DEL', 'alice\u007f'],
    ['C1 control', 'alice\u0085'],
    ['line feed inside', 'ali\nce'],
  ])('%s: the usual 401, even with the right password', async (_what, username) => {
    const res = await login(username, '192.0.2.1', PASSWORD);
    expect([res.status, res.body]).toEqual([401, INVALID]);
  });

  it('counts the attempts per account like any unknown username (the 6th is a 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login('ghost\u0000', `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('counts the attempts per client address', async () => {
    for (let i = 0; i < 20; i++) expect((await login(`spray\u0000${i}`, '203.0.113.60')).status).toBe(401);
    const refused = await login('alice', '203.0.113.60', PASSWORD);
    expect(refused.status).toBe(429);
    expect((await login('alice', '203.0.113.61', PASSWORD)).status).toBe(200);
  });

  it('AuthService.findByUsername answers null instead of sending the name to the database', async () => {
    await expect(app.get(AuthService).findByUsername('alice\u0000')).resolves.toBeNull();
    await expect(app.get(AuthService).findByUsername('alice')).resolves.toMatchObject({ username: 'alice' });
  });

  it('refuses a look-alike username at creation (issue 15, item 7: аlice with a Cyrillic а)', async () => {
    await expect(app.get(AuthService).createUser('\u0430lice', PASSWORD)).rejects.toThrow(PasswordPolicyError);
    await expect(app.get(AuthService).createUser('\u0430\u0440\u0435', PASSWORD)).rejects.toThrow(PasswordPolicyError);
    await expect(app.get(AuthService).createUser('иван', PASSWORD)).resolves.toMatchObject({ username: 'иван' });
    // The look-alike is an unknown user at login: the usual 401.
    expect((await login('\u0430lice', '192.0.2.99', PASSWORD)).status).toBe(401);
  });
});
