import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createClient, createSentinel, type RedisClientType, type RedisSentinelType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { bootAuthApp, FAST_ARGON2, sessionCookie } from './support/auth-app.js';
import { PrivateRedisSentinel } from './support/redis-sentinel.js';
import { dropPrefixedTables, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

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
    app = await bootAuthApp({
      environment: 'test',
      redis: { client },
      database: { url: POSTGRES_URL, tablePrefix },
      session: { secret: TEST_SECRET },
      auth: { argon2: FAST_ARGON2 },
    });
    await app.get(AuthService).createUser('sam', PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await client?.destroy().catch(() => undefined);
    await sentinel?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('serves the same signed-in session again after the primary is killed and the replica promoted, answering 503 (never 500) meanwhile', async () => {
    const cookie = sessionCookie(await http().post('/auth/login').send({ username: 'sam', password: PASSWORD }).expect(200))!;
    await http().get('/auth/me').set('Cookie', cookie).expect(200);
    // The session reached the replica before the primary dies (replication is asynchronous).
    const primary: RedisClientType = createClient({ url: `redis://127.0.0.1:${sentinel.primaryPort}` });
    await primary.connect();
    expect(Number(await primary.sendCommand(['WAIT', '1', '2000']))).toBe(1);
    primary.destroy();

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
    process.stdout.write(`sentinel failover: signed-in reads served again ${servedAt - killedAt} ms after the kill; ${JSON.stringify([...statuses])}\n`);
    expect(servedAt).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    expect(await sentinel.currentPrimaryPort()).toBe(sentinel.replicaPort);
    // New logins work on the new primary too.
    await http().post('/auth/login').send({ username: 'sam', password: PASSWORD }).expect(200);
  }, 60_000);
});
