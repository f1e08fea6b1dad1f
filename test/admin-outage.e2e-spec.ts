import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  dropPrefixedTables,
  POSTGRES_URL,
  PrivateRedis,
  TEST_SECRET,
  uniquePrefix,
  waitFor,
} from './support/services.js';

const prefix = uniquePrefix('admo');

describe('admin session routes while Redis is down (private redis-server)', () => {
  let redis: PrivateRedis;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    app = (
      await bootLibraryApp({
        options: fastArgon2({
          environment: 'test',
          redis: { url: redis.url },
          database: { url: POSTGRES_URL, tablePrefix: prefix },
          session: { secret: TEST_SECRET },
        }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('answers 503 JSON (never 401 or 500, never a hang) and answers again when Redis returns', async () => {
    const path = `/admin/users/${ADMIN.id}/sessions`;
    await http()
      .get(path)
      .set(...as(ADMIN))
      .expect(200);
    await redis.stop();
    for (const [method, url] of [
      ['get', path],
      ['delete', path],
      ['delete', `/admin/sessions/${'A'.repeat(22)}`],
      ['get', '/admin/consent/verify'],
    ] as const) {
      const started = Date.now();
      const res = await http()
        [method](url)
        .set(...as(ADMIN));
      expect([method, url, res.status]).toEqual([method, url, 503]);
      expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
      expect(Date.now() - started).toBeLessThan(5000);
    }
    await redis.start();
    // The restarted Redis keeps nothing, so the admin's session is gone: the route answers again, with a 401.
    await waitFor(
      async () =>
        (
          await http()
            .get(path)
            .set(...as(ADMIN))
        ).status === 401,
      10_000,
      'admin sessions after Redis returns',
    );
  });
});
