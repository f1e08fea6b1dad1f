import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { ConsentAuditService } from '../src/consent/consent-audit.service.js';
import { connectionOptionsFromUrl } from '../src/index.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
  waitFor,
  TEST_CONSENT,
} from './support/services.js';

/**
 * A TCP proxy in front of the shared PostgreSQL that the test can cut (every connection reset, new ones
 * refused) and restore on the same port: the shared server itself is never stopped.
 */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise((r) => server?.close(r));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }
}

const tablePrefix = uniquePrefix('fpg');
const redisPrefix = `${tablePrefix}r:`;
let proxy: CuttableProxy;
let app: INestApplication;
let base: string;
let direct: DataSource;

async function call(
  method: string,
  path: string,
  cookie?: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; setCookie: string[] }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(8000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, setCookie: res.headers.getSetCookie() };
}

async function rowCounts(): Promise<{ records: number; events: number; heads: number }> {
  const n = async (t: string) =>
    Number(((await direct.query(`SELECT COUNT(*) AS n FROM "${tablePrefix}${t}"`)) as Array<{ n: string }>)[0].n);
  return { records: await n('consent_records'), events: await n('consent_events'), heads: await n('consent_heads') };
}

describe('PostgreSQL unreachable (a cuttable proxy in front of the shared server)', () => {
  beforeAll(async () => {
    const target = new URL(POSTGRES_URL);
    proxy = new CuttableProxy(await freePort(), { host: target.hostname, port: Number(target.port || 5432) });
    await proxy.open();
    const viaProxy = new URL(POSTGRES_URL);
    viaProxy.port = String(proxy.port);
    const booted = await bootLibraryApp({
      options: fastArgon2({
        environment: 'test',
        redis: { url: REDIS_URL },
        database: { url: viaProxy.toString(), tablePrefix },
        session: { secret: TEST_SECRET, redisPrefix },
        consent: { ...TEST_CONSENT, anonymousWriteLimit: false }, // writes loop from one address; the limit is not under test
        admin: false,
      }),
      appPipeAndFilter: true,
      signIn: [ADMIN, NOT_ADMIN],
      listen: true,
    });
    app = booted.app;
    base = booted.url;
    direct = new DataSource(connectionOptionsFromUrl(POSTGRES_URL, tablePrefix));
    await direct.initialize();
  });

  afterAll(async () => {
    await app?.close();
    await proxy?.cut();
    await direct?.destroy();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('answers consent writes with 503 and writes nothing half-way, keeps reads working, and recovers without a restart', async () => {
    const first = await call('PUT', '/consent', undefined, { choice: 'accept-all', policyVersion: '1' });
    expect(first.status).toBe(200);
    const visitor = first.setCookie.find((c) => c.startsWith('consent_visitor='))!.split(';')[0];
    const user = as(NOT_ADMIN)[1];
    expect((await call('PUT', '/consent', user, { decisions: { analytics: true }, policyVersion: '1' })).status).toBe(
      200,
    );
    const before = await rowCounts();

    await proxy.cut();
    const started = Date.now();
    for (const [cookie, body] of [
      [visitor, { choice: 'reject-all', policyVersion: '1' }],
      [user, { choice: 'reject-all', policyVersion: '1' }],
      [undefined, { choice: 'accept-all', policyVersion: '1' }],
    ] as const) {
      const res = await call('PUT', '/consent', cookie, body);
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    }
    expect((await call('DELETE', '/consent', visitor)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(8000);

    // Reads of the consent state keep working from the visitor cookie and the session cache.
    const visitorState = await call('GET', '/consent', visitor);
    expect(visitorState.status).toBe(200);
    expect(visitorState.json).toMatchObject({ decisions: { analytics: true }, needsConsent: false });
    const userState = await call('GET', '/consent', user);
    expect(userState.status).toBe(200);
    expect(userState.json).toMatchObject({ decisions: { analytics: true }, needsConsent: false });
    // Signed-in reads need no SQL (user cache) and are not broken either.
    expect((await call('GET', '/auth/me', user)).status).toBe(200);
    expect([200, 503]).toContain((await call('GET', '/health')).status);

    // Nothing half-written: the outage left the records, events and chain heads as they were.
    expect(await rowCounts()).toEqual(before);

    await proxy.open();
    let renewed = visitor;
    await waitFor(
      async () => {
        const res = await call('PUT', '/consent', visitor, { choice: 'reject-all', policyVersion: '1' });
        // The visitor cookie carries a signed copy of the decision: the browser keeps the renewed one.
        renewed = res.setCookie.find((c) => c.startsWith('consent_visitor='))?.split(';')[0] ?? visitor;
        return res.status === 200;
      },
      10_000,
      'a consent write after PostgreSQL returns',
    );
    const after = await call('GET', '/consent', renewed);
    expect(after.json).toMatchObject({ decisions: { analytics: false } });
    const counts = await rowCounts();
    expect(counts.events).toBe(before.events + 1);
    expect(counts.records).toBe(before.records);
  }, 40_000);
  it('leaves every chain whole when the connection is cut in the middle of concurrent writes', async () => {
    const visitors: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call('PUT', '/consent', undefined, { choice: 'reject-all', policyVersion: '1' });
      visitors.push(res.setCookie.find((c) => c.startsWith('consent_visitor='))!.split(';')[0]);
    }
    const statuses = new Set<number>();
    let stop = false;
    const writers = visitors.map(async (cookie) => {
      for (let k = 0; !stop; k++) {
        const res = await call('PUT', '/consent', cookie, {
          choice: k % 2 ? 'reject-all' : 'accept-all',
          policyVersion: '1',
        }).catch(() => ({ status: 0, json: undefined, setCookie: [] }));
        statuses.add(res.status);
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 500));
    await proxy.open();
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(writers);
    expect([...statuses].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.has(503)).toBe(true);

    // Every chain verifies, and each head's seq is exactly its number of events: no event without its head
    // update, no head ahead of its events, no record without an event.
    expect(await app.get(ConsentAuditService).verify()).toMatchObject({ ok: true, broken: 0 });
    const torn = (await direct.query(
      `SELECT h.subject_type, h.subject_id, h.seq, COUNT(e.id) AS events
         FROM "${tablePrefix}consent_heads" h LEFT JOIN "${tablePrefix}consent_events" e ON e.subject_type = h.subject_type AND e.subject_id = h.subject_id
        GROUP BY h.subject_type, h.subject_id, h.seq HAVING COUNT(e.id) <> h.seq`,
    )) as unknown[];
    expect(torn).toEqual([]);
    const orphans = (await direct.query(
      `SELECT r.subject_id FROM "${tablePrefix}consent_records" r WHERE NOT EXISTS (SELECT 1 FROM "${tablePrefix}consent_events" e WHERE e.subject_type = r.subject_type AND e.subject_id = r.subject_id)`,
    )) as unknown[];
    expect(orphans).toEqual([]);
  }, 40_000);
});
