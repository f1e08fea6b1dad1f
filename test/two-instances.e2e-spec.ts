import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'redis';
import { ChildApp } from './support/child-app.js';
import { cookiePair } from './support/cookie-jar.js';
import { http } from './support/http-client.js';
import { trackingOptions } from './support/tracking-fixture.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

/**
 * Two library app processes (library-server.mjs on dist/, which `npm test` builds first) with the demo's
 * configuration, on one Redis and one PostgreSQL, with no shared memory: every request alternates between them,
 * as a load balancer without sticky sessions would.
 */
describe('two app instances on one Redis and one PostgreSQL', () => {
  const prefix = uniquePrefix('two');
  const env = { REDIS_PREFIX: `${prefix}r:` };
  const options = trackingOptions({
    database: { url: POSTGRES_URL, tablePrefix: prefix },
    redisUrl: REDIS_URL,
    redisPrefix: env.REDIS_PREFIX,
    auditSecret: `${TEST_SECRET}-audit`,
    cookieSecure: false,
  });
  const password = 'two instances, one truth';
  let a: ChildApp;
  let b: ChildApp;

  const login = async (app: ChildApp): Promise<string> => {
    const res = await http(app.url, 'POST', '/auth/login', { body: { username: 'alice', password } });
    expect(res.status).toBe(200);
    return cookiePair(res.setCookies, 'sid') as string;
  };
  const handleOf = async (app: ChildApp, cookie: string): Promise<string> => {
    const res = await http(app.url, 'GET', '/auth/sessions', { cookie });
    return (res.body as Array<{ handle: string; current: boolean }>).find((s) => s.current)!.handle;
  };
  const trackCookies = async (app: ChildApp, cookie: string): Promise<string[]> =>
    (await http(app.url, 'GET', '/demo/track', { cookie })).setCookies.map((c) => c.split('=')[0]).sort();

  beforeAll(async () => {
    // One instance applies the migrations before the other starts, as a deployment's release step would.
    a = await ChildApp.library(options, { port: await freePort(), users: [{ username: 'alice', password }] });
    b = await ChildApp.library(options, { port: await freePort() });
  }, 90_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(env.REDIS_PREFIX);
  });

  it('are separate processes on different ports', () => {
    expect(a.url).not.toBe(b.url);
  });

  it('a session made on one instance works on the other, and a logout on the other ends it on both', async () => {
    const cookie = await login(a);
    // Both instances keep the session in the shared Redis under this run's prefix, not in their memory.
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    const keys = await redis.keys(`${env.REDIS_PREFIX}{*}s:*`);
    await redis.close();
    expect(keys).toHaveLength(1);
    const me = await http(b.url, 'GET', '/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { username: 'alice' } });
    expect((await http(b.url, 'POST', '/auth/logout', { cookie })).status).toBe(204);
    expect((await http(a.url, 'GET', '/auth/me', { cookie })).status).toBe(401);
    expect((await http(b.url, 'GET', '/auth/me', { cookie })).status).toBe(401);
  });

  it('revoking a session on one instance stops it at once on the other', async () => {
    const first = await login(a);
    const second = await login(b);
    const firstHandle = await handleOf(a, first);
    const list = await http(b.url, 'GET', '/auth/sessions', { cookie: second });
    expect((list.body as Array<{ handle: string }>).map((s) => s.handle)).toContain(firstHandle);

    expect((await http(b.url, 'DELETE', `/auth/sessions/${firstHandle}`, { cookie: second })).status).toBe(204);
    expect((await http(a.url, 'GET', '/auth/me', { cookie: first })).status).toBe(401);
    expect((await http(a.url, 'GET', '/auth/me', { cookie: second })).status).toBe(200);
    await http(a.url, 'POST', '/auth/logout', { cookie: second });
  });

  it('a consent change made on one instance applies to every session of the user on the other', async () => {
    const onA = await login(a);
    const onB = await login(b);
    expect(await trackCookies(b, onB)).toEqual([]);

    const put = await http(a.url, 'PUT', '/consent', {
      cookie: onA,
      body: { decisions: { analytics: true, preferences: false, marketing: false }, policyVersion: '1' },
    });
    expect(put.status).toBe(200);
    const state = await http(b.url, 'GET', '/consent', { cookie: onB });
    expect(state.body).toMatchObject({
      decisions: { analytics: true, preferences: false, marketing: false },
      needsConsent: false,
    });
    expect(await trackCookies(b, onB)).toEqual(['demo_analytics']);

    const withdrawn = await http(b.url, 'DELETE', '/consent', { cookie: onB });
    expect(withdrawn.status).toBe(200);
    expect(await trackCookies(a, onA)).toEqual([]);
    expect((await http(a.url, 'GET', '/consent', { cookie: onA })).body).toMatchObject({
      decisions: { analytics: false },
    });

    const history = await http(b.url, 'GET', '/consent/history', { cookie: onB });
    expect((history.body as Array<{ action: string; source: string }>).map((e) => e.action)).toEqual([
      'grant',
      'withdraw',
    ]);
  });
});
