import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createCluster, type RedisClusterType } from 'redis';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { bootAuthApp, FAST_ARGON2, indexKeyOf, sessionCookie } from './support/auth-app.js';
import { PrivateRedisCluster } from './support/redis-cluster.js';
import { dropPrefixedTables, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const tablePrefix = uniquePrefix('clfo');
const PASSWORD = 'correct horse battery';

/** A master of the cluster is killed right after a sign-in that waited for its replica. */
describe('a Redis Cluster failover', () => {
  let cluster: PrivateRedisCluster;
  let client: RedisClusterType;
  let app: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start();
    client = createCluster({ rootNodes: cluster.rootNodes });
    client.on('error', () => undefined);
    await client.connect();
    app = await bootAuthApp({
      environment: 'test',
      redis: { client, waitForReplicas: 1 },
      database: { url: POSTGRES_URL, tablePrefix },
      session: { secret: TEST_SECRET },
      auth: { argon2: FAST_ARGON2 },
    });
  }, 60_000);

  afterAll(async () => {
    // The app does not own the client; closed first, it stops retrying the killed node at once.
    client?.destroy();
    await app?.close();
    await cluster?.stop();
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  }, 60_000);

  it('keeps an acknowledged sign-in, answers 503 (never 500, never signed out) meanwhile, and recovers without a restart', async () => {
    const user = await app.get(AuthService).createUser('fay', PASSWORD);
    const cookie = sessionCookie(await http().post('/auth/login').send({ username: 'fay', password: PASSWORD }).expect(200))!;
    const slot = Number(await client.sendCommand(indexKeyOf('ac:', user.id), true, ['CLUSTER', 'KEYSLOT', indexKeyOf('ac:', user.id)]));
    const master = client.slots[slot].master;
    await cluster.kill(Number(master.port));
    const killedAt = Date.now();
    const statuses = new Map<number, number>();
    let servedAt = 0;
    while (Date.now() - killedAt < 40_000) {
      const res = await http().get('/auth/me').set('Cookie', cookie);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) {
        servedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    process.stdout.write(`cluster failover: the session was served again ${servedAt - killedAt} ms after its master was killed; ${JSON.stringify([...statuses])}\n`);
    expect(servedAt).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
  }, 60_000);
});
