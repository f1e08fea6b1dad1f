import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChildApp } from './support/child-app.js';
import { cookiePair } from './support/cookie-jar.js';
import { http } from './support/http-client.js';
import { trackingOptions } from './support/tracking-fixture.js';
import { PrivateRedisCluster } from './support/redis-cluster.js';
import { dropPrefixedTables, freePort, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const PASSWORD = 'correct horse battery';

/** Three library app processes (the demo's configuration) behind the test (round-robin over their ports) on one Redis Cluster and one PostgreSQL. */
describe('three app instances on a Redis Cluster and PostgreSQL', () => {
  const prefix = uniquePrefix('scale');
  let cluster: PrivateRedisCluster;
  const apps: ChildApp[] = [];
  let turn = 0;
  const next = () => apps[turn++ % apps.length];

  beforeAll(async () => {
    cluster = await PrivateRedisCluster.start();
    const options = {
      ...trackingOptions({ database: { url: POSTGRES_URL, tablePrefix: prefix }, auditSecret: `${TEST_SECRET}-audit` }),
      redis: { clusterNodes: cluster.ports.map((p) => `127.0.0.1:${p}`) },
    };
    // The first creates the schema (and the user); the other two start together on it.
    apps.push(
      await ChildApp.library(options, { port: await freePort(), users: [{ username: 'nina', password: PASSWORD }] }),
    );
    apps.push(...(await Promise.all([0, 1].map(async () => ChildApp.library(options, { port: await freePort() })))));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await cluster?.stop();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('a user signs in on one, is recognised on the others, and revokes from a third', async () => {
    expect((await http(apps[0].url, 'GET', '/health')).body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
    const a = cookiePair(
      (await http(next().url, 'POST', '/auth/login', { body: { username: 'nina', password: PASSWORD } })).setCookies,
      'sid',
    )!;
    const b = cookiePair(
      (await http(next().url, 'POST', '/auth/login', { body: { username: 'nina', password: PASSWORD } })).setCookies,
      'sid',
    )!;
    for (const app of apps) expect((await http(app.url, 'GET', '/auth/me', { cookie: a })).status).toBe(200);
    const listed = (await http(next().url, 'GET', '/auth/sessions', { cookie: a })).body as Array<{
      handle: string;
      current: boolean;
    }>;
    expect(listed).toHaveLength(2);
    const other = listed.find((s) => !s.current)!;
    expect((await http(apps[2].url, 'DELETE', `/auth/sessions/${other.handle}`, { cookie: a })).status).toBe(204);
    for (const app of apps) expect((await http(app.url, 'GET', '/auth/me', { cookie: b })).status).toBe(401);
  });

  it('a consent change on one is enforced by the others at once', async () => {
    const cookie = cookiePair(
      (await http(apps[0].url, 'POST', '/auth/login', { body: { username: 'nina', password: PASSWORD } })).setCookies,
      'sid',
    )!;
    expect(
      (await http(apps[1].url, 'PUT', '/consent', { cookie, body: { choice: 'accept-all', policyVersion: '1' } }))
        .status,
    ).toBe(200);
    expect(
      cookiePair((await http(apps[2].url, 'GET', '/demo/track', { cookie })).setCookies, 'demo_analytics'),
    ).toBeDefined();
    expect((await http(apps[0].url, 'DELETE', '/consent', { cookie })).status).toBe(200);
    for (const app of apps)
      expect(
        cookiePair((await http(app.url, 'GET', '/demo/track', { cookie })).setCookies, 'demo_analytics'),
      ).toBeUndefined();
  });
});
