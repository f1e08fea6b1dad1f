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
    // Traffic all along: four clients signing other users in and reading their sessions, whatever shard they are on.
    const others = await Promise.all([0, 1, 2, 3].map((i) => app.get(AuthService).createUser(`other${i}`, PASSWORD)));
    let stop = false;
    const traffic = new Map<string, number>();
    const drive = async (username: string) => {
      while (!stop) {
        const login = await http().post('/auth/login').send({ username, password: PASSWORD });
        traffic.set(`login ${login.status}`, (traffic.get(`login ${login.status}`) ?? 0) + 1);
        const cookie = sessionCookie(login);
        if (cookie) {
          const me = await http().get('/auth/me').set('Cookie', cookie);
          traffic.set(`me ${me.status}`, (traffic.get(`me ${me.status}`) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const load = Promise.all(others.map((u) => drive(u.username)));
    await new Promise((r) => setTimeout(r, 300));
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
    stop = true;
    await load;
    process.stdout.write(`cluster failover: the session was served again ${servedAt - killedAt} ms after its master was killed; ${JSON.stringify([...statuses])}; traffic ${JSON.stringify([...traffic])}\n`);
    expect(servedAt).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 503)).toBe(true);
    // Sign-ins answer 200 or 503 (a shard with no replica left cannot confirm WAIT 1), reads 200 or 503: never a 500.
    expect([...traffic.keys()].every((k) => / (200|503)$/.test(k))).toBe(true);
    expect(traffic.get('login 200') ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
