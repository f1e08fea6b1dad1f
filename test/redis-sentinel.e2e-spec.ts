import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createSentinel, type RedisSentinelType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import { PrivateRedisSentinel } from './support/redis-sentinel.js';
import { dropPrefixedTables, POSTGRES_URL, PrivateRedis, TEST_SECRET, uniquePrefix } from './support/services.js';

const tablePrefix = uniquePrefix('sent');
const PASSWORD = 'correct horse battery';

/** The module on a node-redis Sentinel client: the primary is killed, the app follows the failover. */
describe('sessions through Redis Sentinel', () => {
  let sentinel: PrivateRedisSentinel;
  let client: RedisSentinelType;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    sentinel = await PrivateRedisSentinel.start();
    client = createSentinel({ name: sentinel.name, sentinelRootNodes: sentinel.sentinelRootNodes });
    client.on('error', () => undefined);
    await client.connect();
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          // A sign-in and every revocation are acknowledged only once the replica has them.
          redis: { client, waitForReplicas: 1 },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET },
          auth: { argon2: FAST_ARGON2 },
        },
        controllers: [ProbeController],
      })
    ).app;
    await app.get(AuthService).createUser('sam', PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await client?.destroy().catch(() => undefined);
    await sentinel?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('opens (and closes) its own Sentinel client from { sentinels, sentinelName }', async () => {
    const owned = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { sentinels: sentinel.sentinelPorts.map((port) => `127.0.0.1:${port}`), sentinelName: sentinel.name },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix: 'owned:' },
          auth: { argon2: FAST_ARGON2 },
        },
        controllers: [ProbeController],
      })
    ).app;
    try {
      const cookie = sessionCookie(
        await request(owned.getHttpServer())
          .post('/auth/login')
          .send({ username: 'sam', password: PASSWORD })
          .expect(200),
      )!;
      await request(owned.getHttpServer()).get('/auth/me').set('Cookie', cookie).expect(200);
    } finally {
      await owned.close();
    }
  });

  it('serves the same signed-in session again after the primary is killed and the replica promoted, answering 503 (never 500) meanwhile', async () => {
    const cookie = sessionCookie(
      await http().post('/auth/login').send({ username: 'sam', password: PASSWORD }).expect(200),
    )!;
    // Killed at once: the sign-in was acknowledged after WAIT 1, so the promoted replica has the session.
    await sentinel.killPrimary();
    const killedAt = Date.now();
    const statuses = new Map<number, number>();
    let servedAt = 0;
    while (Date.now() - killedAt < 30_000) {
      const res = await http().get('/auth/me').set('Cookie', cookie);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) {
        servedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    process.stdout.write(
      `sentinel failover: signed-in reads served again ${servedAt - killedAt} ms after the kill; ${JSON.stringify([...statuses])}\n`,
    );
    expect(servedAt).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    expect(await sentinel.currentPrimaryPort()).toBe(sentinel.replicaPort);
    // With no replica left to confirm it, a new sign-in is not acknowledged (the durability asked for).
    await http().post('/auth/login').send({ username: 'sam', password: PASSWORD }).expect(503);
  }, 60_000);

  it('answers a sign-in 503, with no cookie, when the replicas it must wait for do not confirm it', async () => {
    const lonely = await PrivateRedis.start();
    const alone = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: lonely.url, waitForReplicas: 1 },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET },
          auth: { argon2: FAST_ARGON2 },
        },
        controllers: [ProbeController],
      })
    ).app;
    try {
      const res = await request(alone.getHttpServer())
        .post('/auth/login')
        .send({ username: 'sam', password: PASSWORD })
        .expect(503);
      expect(sessionCookie(res)).toBeUndefined();
    } finally {
      await alone.close();
      await lonely.stop();
    }
  });
});
