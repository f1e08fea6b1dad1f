import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createCluster, type RedisClusterType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { TestClock } from './support/clock.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import { indexKeyOf } from './support/session-keys.js';
import { PrivateRedisCluster } from './support/redis-cluster.js';
import { dropPrefixedTables, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const tablePrefix = uniquePrefix('clus');
const redisPrefix = 'ac:';
const PASSWORD = 'correct horse battery';

/** The module on a real Redis Cluster (3 masters, 3 replicas) through a node-redis cluster client. */
describe('sessions on a Redis Cluster', () => {
  let cluster: PrivateRedisCluster;
  let client: RedisClusterType;
  let app: INestApplication;
  let auth: AuthService;
  const http = () => request(app.getHttpServer());
  const login = (username: string, password = PASSWORD) => http().post('/auth/login').send({ username, password });
  const sessions = async (cookie: string) =>
    (await http().get('/auth/sessions').set('Cookie', cookie).expect(200)).body as Array<{
      handle: string;
      current: boolean;
    }>;

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start();
    client = createCluster({ rootNodes: cluster.rootNodes });
    client.on('error', () => undefined);
    await client.connect();
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { client },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          // 50 parallel sign-ins of one user would otherwise be throttled (each attempt in flight holds a slot).
          auth: {
            argon2: FAST_ARGON2,
            maxSessionsPerUser: 60,
            throttle: { accountFreeFailures: 1000, ipFreeFailures: 1000 },
          },
        },
        controllers: [ProbeController],
      })
    ).app;
    auth = app.get(AuthService);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    client?.destroy();
    await cluster?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  /** The master that serves a key's slot. */
  async function masterOf(key: string): Promise<string> {
    const slot = Number(await client.sendCommand(key, true, ['CLUSTER', 'KEYSLOT', key]));
    const master = client.masters.find((m) => client.slots[slot]?.master === m) ?? client.slots[slot]?.master;
    return `${master?.host}:${master?.port}`;
  }

  it('signs in with a new ID, serves signed-in reads, lists, revokes one and the others, and signs out', async () => {
    await auth.createUser('ana', PASSWORD);
    const first = sessionCookie(await login('ana').expect(200))!;
    const again = await login('ana').set('Cookie', first).expect(200);
    const second = sessionCookie(again)!;
    expect(second).not.toBe(first);
    await http().get('/auth/me').set('Cookie', first).expect(401); // re-login retired the old ID at once
    await http().get('/auth/me').set('Cookie', second).expect(200);
    const third = sessionCookie(await login('ana').expect(200))!;
    const fourth = sessionCookie(await login('ana').expect(200))!;
    const listed = await sessions(second);
    expect(listed).toHaveLength(3);
    const other = listed.find((s) => !s.current)!;
    await http().delete(`/auth/sessions/${other.handle}`).set('Cookie', second).expect(204);
    expect(await sessions(second)).toHaveLength(2);
    await http().delete('/auth/sessions').set('Cookie', second).expect(204);
    expect(await sessions(second)).toHaveLength(1);
    for (const cookie of [third, fourth]) await http().get('/auth/me').set('Cookie', cookie).expect(401);
    await http().post('/auth/logout').set('Cookie', second).expect(204);
    await http().get('/auth/me').set('Cookie', second).expect(401);
  });

  it('keeps the index exact under 50 parallel logins of one user', async () => {
    const user = await auth.createUser('bea', PASSWORD);
    const answers = await Promise.all(Array.from({ length: 50 }, () => login('bea')));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const cookies = answers.map((r) => sessionCookie(r)!);
    expect(new Set(cookies).size).toBe(50);
    expect(await client.zCard(indexKeyOf(redisPrefix, user.id))).toBe(50);
    expect(await sessions(cookies[0])).toHaveLength(50);
  });

  it('lists and revokes the sessions of users whose keys live on different masters', async () => {
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await auth.createUser(`spread${i}`, PASSWORD));
    const masters = new Set(await Promise.all(users.map((u) => masterOf(indexKeyOf(redisPrefix, u.id)))));
    expect(masters.size).toBeGreaterThan(1);
    for (const u of users) {
      const a = sessionCookie(await login(u.username).expect(200))!;
      const b = sessionCookie(await login(u.username).expect(200))!;
      expect(await sessions(a)).toHaveLength(2);
      expect(await app.get(AuthService).disableUser(u.id)).toBe(2);
      for (const cookie of [a, b]) await http().get('/auth/me').set('Cookie', cookie).expect(401);
      expect(await client.zCard(indexKeyOf(redisPrefix, u.id))).toBe(0);
    }
  });

  it('pushes a consent change to every session of the user', async () => {
    await auth.createUser('dee', PASSWORD);
    const a = sessionCookie(await login('dee').expect(200))!;
    const b = sessionCookie(await login('dee').expect(200))!;
    await http().put('/consent').set('Cookie', a).send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
    const seen = (await http().get('/consent').set('Cookie', b).expect(200)).body as { needsConsent: boolean };
    expect(seen.needsConsent).toBe(false);
  });

  it('holds maxSessionsPerUser under parallel logins, enforces the idle timeout and throttles (a second app, its own clock and prefix)', async () => {
    const clock = new TestClock();
    const limited = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { client },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix: 'lim:' },
          auth: { argon2: FAST_ARGON2, maxSessionsPerUser: 3, sessionLimitPolicy: 'refuse' },
        },
        clock,
        controllers: [ProbeController],
      })
    ).app;
    try {
      const user = await limited.get(AuthService).createUser('eli', PASSWORD);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(limited.getHttpServer()).post('/auth/login').send({ username: 'eli', password: PASSWORD }),
        ),
      );
      expect(answers.filter((r) => r.status === 200)).toHaveLength(3);
      expect(answers.filter((r) => r.status === 409)).toHaveLength(2);
      expect(await client.zCard(indexKeyOf('lim:', user.id))).toBe(3);
      const cookie = sessionCookie(answers.find((r) => r.status === 200)!)!;
      await request(limited.getHttpServer()).get('/auth/me').set('Cookie', cookie).expect(200);
      clock.advance(30 * 60_000 + 1);
      await request(limited.getHttpServer()).get('/auth/me').set('Cookie', cookie).expect(401);
      // Throttling (its counters are single keys, spread over the masters).
      await limited.get(AuthService).createUser('cid', PASSWORD);
      const codes = [];
      for (let i = 0; i < 7; i++)
        codes.push(
          (
            await request(limited.getHttpServer())
              .post('/auth/login')
              .send({ username: 'cid', password: 'wrong password!' })
          ).status,
        );
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.at(-1)).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
