import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { sessionHandle } from '../src/session/session-id.js';
import { sessionCookie, sessionCookieLine } from './support/cookie-jar.js';
import { bootLibraryApp } from './support/library-app.js';
import { rawSessionId } from './support/session-keys.js';
import { trackingOptions } from './support/tracking-fixture.js';

const PASSWORD = 'correct horse battery';

describe('login without Redis: the in-process backend (demo defaults, SQLite in memory)', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    // Secure cookies behind a trusted TLS-terminating proxy, as in production.
    app = (
      await bootLibraryApp({
        options: trackingOptions({
          database: { url: 'sqlite::memory:' },
          sessionSecret: null,
          auditSecret: null,
          cookieSecure: true,
          trustProxy: true,
        }),
        appPipeAndFilter: true,
      })
    ).app;
    await app.get(AuthService).createUser('ivy', PASSWORD, ['admin']);
  });

  afterAll(async () => {
    await app?.close();
  });

  const login = () =>
    http().post('/auth/login').set('X-Forwarded-Proto', 'https').send({ username: 'ivy', password: PASSWORD });

  it('sends the Secure session cookie even when the app sees the request as plain HTTP (a TLS proxy that sets no header)', async () => {
    const res = await http().post('/auth/login').send({ username: 'ivy', password: PASSWORD }).expect(200);
    const line = sessionCookieLine(res, '__Host-sid')!;
    expect(line).toMatch(/; Secure/);
    expect(res.headers['cache-control']).toBe('no-store');
    await http().get('/auth/me').set('Cookie', sessionCookie(res, '__Host-sid')!).expect(200);
    await http().post('/auth/logout').set('Cookie', sessionCookie(res, '__Host-sid')!).expect(204);
  });

  it('logs in with a __Host- prefixed Secure cookie, lists, revokes and logs out', async () => {
    const res = await login().expect(200);
    const line = sessionCookieLine(res, '__Host-sid')!;
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Domain=/);
    const cookie = sessionCookie(res, '__Host-sid')!;
    const other = sessionCookie(await login().expect(200), '__Host-sid')!;

    const me = await http().get('/auth/me').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).expect(200);
    expect(me.body.user.username).toBe('ivy');
    const list = await http().get('/auth/sessions').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).expect(200);
    expect(list.body).toHaveLength(2);

    await http()
      .delete(`/auth/sessions/${sessionHandle(rawSessionId(other))}`)
      .set('X-Forwarded-Proto', 'https')
      .set('Cookie', cookie)
      .expect(204);
    await http().get('/auth/me').set('X-Forwarded-Proto', 'https').set('Cookie', other).expect(401);

    await http().post('/auth/logout').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).expect(204);
    await http().get('/auth/me').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).expect(401);
  });

  it('throttles in process too', async () => {
    let last = 0;
    for (let i = 0; i < 7; i++)
      last = (await http().post('/auth/login').send({ username: 'nobody', password: 'wrong' })).status;
    expect(last).toBe(429);
  });
});
