import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { bootLibraryApp } from './support/library-app.js';
import { trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, POSTGRES_URL, PrivateRedis, uniquePrefix, waitFor } from './support/services.js';

describe('/health against a Redis that goes down and comes back', () => {
  const prefix = uniquePrefix('health');
  let redis: PrivateRedis;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    app = (
      await bootLibraryApp({
        options: trackingOptions({
          redisUrl: redis.url,
          database: { url: POSTGRES_URL, tablePrefix: prefix },
          auditSecret: null,
        }),
        appPipeAndFilter: true,
      })
    ).app;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('is 200 with Redis and the database up', async () => {
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is 503 naming Redis while it is down, quickly, and 200 again once it is back, without a restart', async () => {
    await redis.stop();
    const started = Date.now();
    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      status: 'error',
      redis: 'down',
      database: 'up',
    });
    expect(res.body.message).toMatch(/redis/);

    await redis.start();
    await waitFor(
      async () => (await request(app.getHttpServer()).get('/health')).status === 200,
      10_000,
      'health to recover',
    );
  });
});
