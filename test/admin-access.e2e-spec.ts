import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthConsentModule, type AuthConsentModuleOptions } from '../src/index.js';
import { resolveOptions } from '../src/auth-consent.options.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import { dropPrefixedTables, POSTGRES_URL, REDIS_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const prefix = uniquePrefix('adma');
const options: AuthConsentModuleOptions = {
  environment: 'test',
  redis: { url: REDIS_URL },
  database: { url: POSTGRES_URL, tablePrefix: prefix },
  session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
};

/** Every admin route this branch mounts (the session routes come with the session feature). */
const ROUTES = [
  '/admin/consent/subjects/visitor/abc',
  '/admin/consent/events',
  '/admin/consent/events/export?format=csv',
  '/admin/consent/events/export?format=ndjson',
  '/admin/consent/stats',
  '/admin/consent/verify',
  '/admin/consent/verify?subjectType=visitor&subjectId=abc',
  '/admin/audit',
  '/admin/users/00000000-0000-4000-8000-000000000001/sessions',
];

describe('admin access control (PostgreSQL)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = (await bootLibraryApp({ options: fastArgon2(options), appPipeAndFilter: true, signIn: [ADMIN, NOT_ADMIN] }))
      .app;
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it.each(ROUTES)('GET %s is 401 JSON when not signed in', async (path) => {
    const res = await request(app.getHttpServer()).get(path).expect(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
  });

  it.each(ROUTES)('GET %s is 403 JSON for a signed-in user without the admin role', async (path) => {
    const res = await request(app.getHttpServer())
      .get(path)
      .set(...as(NOT_ADMIN))
      .expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
  });

  it('is 401, not 400, for a bad query when not signed in: the guard runs before validation', async () => {
    await request(app.getHttpServer()).get('/admin/consent/events?limit=9999&cursor=x').expect(401);
  });

  it.each([
    ['/admin/consent/events', 200],
    ['/admin/consent/stats', 200],
    ['/admin/audit', 200],
    ['/admin/consent/events/export', 200],
    ['/admin/consent/subjects/visitor/nobody', 404],
    ['/admin/consent/verify', 200],
    ['/admin/consent/verify?subjectType=visitor&subjectId=nobody', 404],
    ['/admin/users/00000000-0000-4000-8000-000000000001/sessions', 200],
  ])('GET %s answers an admin with %i', async (path, status) => {
    const res = await request(app.getHttpServer())
      .get(path)
      .set(...as(ADMIN))
      .expect(status);
    if (status === 404) expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    '/admin/consent/subjects/robot/abc',
    '/admin/consent/subjects/visitor/' + 'x'.repeat(65),
    '/admin/consent/events?limit=0',
    '/admin/consent/events?limit=501',
    '/admin/consent/events?limit=ten',
    '/admin/consent/events?from=yesterday',
    '/admin/consent/events?from=2025-02-30',
    '/admin/consent/events?from=2025-03-01&to=2025-02-01',
    '/admin/consent/events?subjectType=robot',
    '/admin/consent/events?subjectId=abc',
    '/admin/consent/events?action=delete',
    '/admin/consent/events?source=x',
    '/admin/consent/events?category=a%20b',
    '/admin/consent/events?action=grant&action=refuse',
    '/admin/consent/events?subjectid=abc',
    '/admin/consent/events?cursor=not-a-cursor',
    '/admin/consent/events?cursor=eyJ0IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA',
    '/admin/consent/events?order=sideways',
    '/admin/consent/events/export?format=xlsx',
    '/admin/consent/events/export?limit=5',
    '/admin/consent/stats?from=2020-01-01&to=2025-01-01',
    '/admin/consent/stats?from=nope',
    '/admin/consent/stats?category=analytics',
    '/admin/audit?limit=-1',
    '/admin/audit?actorId=a%20b',
  ])('GET %s is a 400 JSON for an admin, never a 500', async (path) => {
    const res = await request(app.getHttpServer())
      .get(path)
      .set(...as(ADMIN))
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('honours the adminRole option', async () => {
    const ops = { id: '', username: 'opal', roles: ['ops'] };
    const custom = (
      await bootLibraryApp({
        options: fastArgon2({ ...options, adminRole: 'ops' }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN, ops],
      })
    ).app;
    try {
      await request(custom.getHttpServer())
        .get('/admin/audit')
        .set(...as(ops))
        .expect(200);
      await request(custom.getHttpServer())
        .get('/admin/audit')
        .set(...as(ADMIN))
        .expect(403);
    } finally {
      await custom.close();
    }
  });

  it('moves the admin routes with adminPath and removes them with admin: false', async () => {
    const moved = (
      await bootLibraryApp({
        options: fastArgon2({ ...options, adminPath: '/backoffice/' }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
    try {
      await request(moved.getHttpServer())
        .get('/backoffice/consent/events')
        .set(...as(ADMIN))
        .expect(200);
      await request(moved.getHttpServer()).get('/backoffice/audit').expect(401);
      await request(moved.getHttpServer())
        .get('/admin/consent/events')
        .set(...as(ADMIN))
        .expect(404);
    } finally {
      await moved.close();
    }
    const off = (
      await bootLibraryApp({
        options: fastArgon2({ ...options, admin: false }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
    try {
      for (const path of ROUTES)
        await request(off.getHttpServer())
          .get(path)
          .set(...as(ADMIN))
          .expect(404);
    } finally {
      await off.close();
    }
  });

  it('rejects a bad adminRole or adminPath with a sentence naming the option', () => {
    expect(() => resolveOptions({ adminRole: 'a b' })).toThrow(/adminRole must be/);
    expect(() => AuthConsentModule.forRoot({ ...options, adminPath: '../x' })).toThrow(/adminPath must be/);
  });
});
