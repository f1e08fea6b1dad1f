import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService, type AuthConsentModuleOptions } from '../src/index.js';
import type { AdminAuditView } from '../src/admin/admin-audit.service.js';
import type { AdminSessionView } from '../src/admin/admin-session.view.js';
import { setCookieLines } from './support/cookie-jar.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const prefix = uniquePrefix('adms');
const options: AuthConsentModuleOptions = {
  environment: 'test',
  redis: { url: REDIS_URL },
  database: { url: POSTGRES_URL, tablePrefix: prefix },
  session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
};
const PASSWORD = 'sessions spec password 42';
const HANDLE = 'A'.repeat(28);

describe('admin review of sessions (PostgreSQL, Redis)', () => {
  let app: INestApplication;
  let userId: string;
  const http = () => request(app.getHttpServer());

  /** A real login of the spec's user from a device; returns the session cookie. */
  async function signIn(userAgent: string): Promise<string> {
    const res = await http()
      .post('/auth/login')
      .set('User-Agent', userAgent)
      .set('X-Forwarded-For', '198.51.100.77')
      .send({ username: 'kim', password: PASSWORD })
      .expect(200);
    const line = setCookieLines(res).find((c) => /^(__Host-)?sid=/.test(c));
    return line!.split(';')[0];
  }

  async function auditOf(action: string): Promise<AdminAuditView[]> {
    const res = await http()
      .get(`/admin/audit?action=${action}`)
      .set(...as(ADMIN))
      .expect(200);
    return res.body.items as AdminAuditView[];
  }

  beforeAll(async () => {
    app = (await bootLibraryApp({ options: fastArgon2(options), appPipeAndFilter: true, signIn: [ADMIN, NOT_ADMIN] }))
      .app;
    userId = (await app.get(AuthService).createUser('kim', PASSWORD, ['user'])).id;
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(`${prefix}:`);
  });

  const routes = (): Array<[string, string]> => [
    ['get', `/admin/users/${userId}/sessions`],
    ['delete', `/admin/users/${userId}/sessions`],
    ['delete', `/admin/sessions/${HANDLE}`],
  ];

  it('every session route is 401 JSON signed out and 403 JSON for a non-admin, and changes nothing', async () => {
    const cookie = await signIn('device-guard');
    for (const [method, path] of routes()) {
      const out = await (http() as unknown as Record<string, (p: string) => request.Test>)[method](path).expect(401);
      expect(out.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
      const denied = await (http() as unknown as Record<string, (p: string) => request.Test>)
        [method](path)
        .set(...as(NOT_ADMIN))
        .expect(403);
      expect(denied.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    }
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    await http().delete(`/admin/users/${userId}/sessions`).set('Cookie', cookie).expect(403);
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
  });

  it.each([
    ['get', '/admin/users/a%20b/sessions'],
    ['delete', `/admin/users/${'x'.repeat(65)}/sessions`],
    ['delete', '/admin/sessions/short'],
    ['delete', `/admin/sessions/${'A'.repeat(42)}!`],
  ])('%s %s with a malformed id is 400 JSON', async (method, path) => {
    const res = await (http() as unknown as Record<string, (p: string) => request.Test>)
      [method](path)
      .set(...as(ADMIN))
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it("lists a user's sessions with handles, device, truncated IP and times, never a session ID; the read is audit-logged", async () => {
    await http()
      .delete(`/admin/users/${userId}/sessions`)
      .set(...as(ADMIN))
      .expect(204);
    const phone = await signIn('phone/1.0');
    const laptop = await signIn('laptop/2.0');
    const res = await http()
      .get(`/admin/users/${userId}/sessions`)
      .set(...as(ADMIN))
      .expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const list = res.body as AdminSessionView[];
    expect(list.map((s) => s.userAgent).sort()).toEqual(['laptop/2.0', 'phone/1.0']);
    for (const s of list) {
      expect(s).toEqual({
        userId,
        handle: expect.stringMatching(/^[A-Za-z0-9_-]{28}$/),
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
        idleExpiresAt: expect.any(String),
        absoluteExpiresAt: expect.any(String),
        ip: s.ip,
        userAgent: expect.any(String),
        remember: false,
        current: false,
      });
      // A raw client address never reaches the admin: at most the /24 (IPv4) or /48 (IPv6) network.
      expect(s.ip).toMatch(/^\d+\.\d+\.\d+\.0$|::$/);
    }
    const text = JSON.stringify(res.body);
    for (const cookie of [phone, laptop]) {
      const sid = decodeURIComponent(cookie.split('=')[1]).replace(/^s:/, '').split('.')[0];
      expect(text).not.toContain(sid);
    }
    expect(
      (await auditOf('sessions.read')).some((e) => e.target.id === userId && e.actor.username === ADMIN.username),
    ).toBe(true);
  });

  it('revokes one session by handle: that session is signed out at once, the other is not; the revocation is audit-logged', async () => {
    await http()
      .delete(`/admin/users/${userId}/sessions`)
      .set(...as(ADMIN))
      .expect(204);
    const a = await signIn('device-a');
    const b = await signIn('device-b');
    const list = (
      await http()
        .get(`/admin/users/${userId}/sessions`)
        .set(...as(ADMIN))
        .expect(200)
    ).body as AdminSessionView[];
    const handle = list.find((s) => s.userAgent === 'device-a')!.handle;
    await http()
      .delete(`/admin/sessions/${handle}`)
      .set(...as(ADMIN))
      .expect(204);
    await http().get('/auth/me').set('Cookie', a).expect(401);
    await http().get('/auth/me').set('Cookie', b).expect(200);
    const again = await http()
      .delete(`/admin/sessions/${handle}`)
      .set(...as(ADMIN))
      .expect(404);
    expect(again.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    const left = (
      await http()
        .get(`/admin/users/${userId}/sessions`)
        .set(...as(ADMIN))
        .expect(200)
    ).body as AdminSessionView[];
    expect(left.map((s) => s.userAgent)).toEqual(['device-b']);
    const entries = await auditOf('session.revoke');
    expect(entries.filter((e) => e.target.id === handle)).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      actor: { id: ADMIN.id, username: ADMIN.username },
      target: { type: 'session', id: handle },
    });
  });

  it("revokes all of a user's sessions: the user's next request is 401, other users keep theirs; audit-logged", async () => {
    const a = await signIn('device-c');
    const b = await signIn('device-d');
    await http()
      .delete(`/admin/users/${userId}/sessions`)
      .set(...as(ADMIN))
      .expect(204);
    for (const cookie of [a, b]) await http().get('/auth/me').set('Cookie', cookie).expect(401);
    expect(
      (
        await http()
          .get(`/admin/users/${userId}/sessions`)
          .set(...as(ADMIN))
          .expect(200)
      ).body,
    ).toEqual([]);
    await http()
      .get('/auth/me')
      .set(...as(NOT_ADMIN))
      .expect(200);
    const entries = await auditOf('sessions.revoke-all');
    expect(entries[0]).toMatchObject({
      actor: { id: ADMIN.id },
      action: 'sessions.revoke-all',
      target: { type: 'user', id: userId },
    });
  });

  it('an unknown user has no sessions (200 []), and an unknown handle is 404', async () => {
    expect(
      (
        await http()
          .get('/admin/users/00000000-0000-4000-8000-00000000dead/sessions')
          .set(...as(ADMIN))
          .expect(200)
      ).body,
    ).toEqual([]);
    await http()
      .delete(`/admin/sessions/${HANDLE}`)
      .set(...as(ADMIN))
      .expect(404);
  });
});
