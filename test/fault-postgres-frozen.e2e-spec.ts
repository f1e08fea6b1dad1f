import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConsentAuditService } from '../src/consent/consent-audit.service.js';
import { AuthService, connectionOptionsFromUrl } from '../src/index.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import {
  deleteRedisPrefix,
  PrivatePostgres,
  REDIS_URL,
  TEST_CONSENT,
  TEST_SECRET,
  uniquePrefix,
  waitFor,
} from './support/services.js';

/**
 * A frozen PostgreSQL (SIGSTOP to the postmaster and every backend: connections stay open, nothing answers,
 * as with a stalled host or a black-holed network) under mixed traffic, then resumed.
 */
const tablePrefix = uniquePrefix('fpgz');
const redisPrefix = `${tablePrefix}r:`;
const PASSWORD = 'correct horse battery';
/** The bound: every request answers within 5 s. */
const ANSWER_WITHIN_MS = 5000;
let pg: PrivatePostgres;
let app: INestApplication;
let base: string;
let direct: DataSource;

interface Answer {
  status: number;
  ms: number;
  json: unknown;
  setCookie: string[];
}

/** One request with a hard deadline a little past the bound: a hang shows up as status 0, never as a stuck test. */
async function call(method: string, path: string, cookie?: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS + 2000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, ms: Date.now() - started, json, setCookie: res.headers.getSetCookie() };
  } catch {
    return { status: 0, ms: Date.now() - started, json: undefined, setCookie: [] };
  }
}

const cookieOf = (res: Answer, name: string) => res.setCookie.find((c) => c.startsWith(`${name}=`))?.split(';')[0];

async function login(): Promise<Answer> {
  return call('POST', '/auth/login', undefined, { username: 'kim', password: PASSWORD });
}

describe('PostgreSQL frozen under traffic (private server, SIGSTOP then SIGCONT)', () => {
  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    const booted = await bootLibraryApp({
      options: {
        environment: 'test',
        redis: { url: REDIS_URL },
        database: { url: pg.url, tablePrefix },
        session: { secret: TEST_SECRET, redisPrefix },
        // The load writes anonymous decisions from one address far past the per-address limit.
        consent: { ...TEST_CONSENT, anonymousWriteLimit: false },
        auth: { argon2: FAST_ARGON2, userCacheTtl: 0 },
      },
      controllers: [ProbeController],
      listen: true,
    });
    app = booted.app;
    base = booted.url;
    await app.get(AuthService).createUser('kim', PASSWORD);
    direct = new DataSource(connectionOptionsFromUrl(pg.url, tablePrefix));
    await direct.initialize();
  }, 60_000);

  afterAll(async () => {
    pg?.resume();
    await app?.close();
    await direct?.destroy().catch(() => undefined);
    await pg?.stop();
    await deleteRedisPrefix(redisPrefix);
  }, 30_000);

  it('answers every request within 5 s (200, 4xx or 503, never a 500 or a hang), recovers without a restart and loses nothing acknowledged', async () => {
    // Several subjects: visitors with their own cookie, and a signed-in user.
    const visitors: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call('PUT', '/consent', undefined, { choice: 'reject-all', policyVersion: '1' });
      expect(res.status).toBe(200);
      visitors.push(cookieOf(res, 'consent_visitor')!);
    }
    const signedIn = await login();
    expect(signedIn.status).toBe(200);
    const sid = cookieOf(signedIn, 'sid')!;

    const acked: Array<{ decidedAt: string; decisions: unknown }> = [];
    const seen = new Map<string, Map<number, number>>();
    const slowest = new Map<string, number>();
    let frozenAt = 0;
    let first503 = 0;
    let stop = false;
    const client = async (route: string, run: (k: number) => Promise<Answer>) => {
      const statuses = seen.get(route) ?? new Map<number, number>();
      seen.set(route, statuses);
      for (let k = 0; !stop && k < 10_000; k++) {
        const res = await run(k);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        slowest.set(route, Math.max(slowest.get(route) ?? 0, res.ms));
        if (res.status === 503 && frozenAt && !first503) first503 = Date.now();
        if (res.status === 200 && route.startsWith('PUT')) {
          const state = res.json as { decidedAt: string; decisions: unknown };
          acked.push({ decidedAt: state.decidedAt, decisions: state.decisions });
        }
        // A visitor keeps the renewed cookie the answer carries, as a browser does.
        if (route.startsWith('PUT /consent (visitor'))
          visitors[Number(route.at(-2))] = cookieOf(res, 'consent_visitor') ?? visitors[Number(route.at(-2))];
      }
    };
    const choice = (k: number) => ({ choice: k % 2 ? 'reject-all' : 'accept-all', policyVersion: '1' });
    const load = Promise.all([
      ...visitors.map((_, i) =>
        client(`PUT /consent (visitor ${i})`, (k) => call('PUT', '/consent', visitors[i], choice(k))),
      ),
      client('PUT /consent (user)', (k) => call('PUT', '/consent', sid, choice(k))),
      client('POST /auth/login', () => login()),
      client('GET /auth/me', () => call('GET', '/auth/me', sid)),
      client('GET /consent', () => call('GET', '/consent', visitors[0])),
    ]);
    await new Promise((r) => setTimeout(r, 700));
    pg.pause();
    frozenAt = Date.now();
    await new Promise((r) => setTimeout(r, 8000));
    pg.resume();
    const resumedAt = Date.now();
    // Recovery without a restart: a fresh sign-in and a consent write work again.
    await waitFor(
      async () =>
        (await login()).status === 200 &&
        (await call('PUT', '/consent', undefined, { choice: 'accept-all', policyVersion: '1' })).status === 200,
      10_000,
      'a sign-in and a consent write after PostgreSQL resumes',
    );
    const recoveredMs = Date.now() - resumedAt;
    stop = true;
    await load;
    process.stdout.write(
      `first 503 ${first503 ? first503 - frozenAt : '-'} ms after the freeze; recovered ${recoveredMs} ms after resume; slowest ${JSON.stringify(Object.fromEntries(slowest))}; ${JSON.stringify([...seen].map(([r, m]) => [r, Object.fromEntries(m)]))}\n`,
    );

    for (const [route, statuses] of seen) {
      for (const status of statuses.keys()) expect(`${route} -> ${status}`).toMatch(/ -> (200|204|401|409|503)$/);
      expect(`${route} slowest ${slowest.get(route)} ms`).toMatch(new RegExp(`slowest (\\d{1,3}|[0-4]\\d{3}) ms$`));
    }
    expect(seen.get('POST /auth/login')!.get(503)).toBeGreaterThan(0);
    expect(seen.get('PUT /consent (visitor 0)')!.get(503)).toBeGreaterThan(0);
    expect([...seen.get('GET /consent')!.keys()]).toEqual([200]);
    expect(recoveredMs).toBeLessThan(5000);

    // Every acknowledged write is stored: its decision, at the time it answered, is an event of the chain.
    const events = (await direct.query(
      `SELECT created_at, decisions_after FROM "${tablePrefix}consent_events"`,
    )) as Array<{ created_at: Date; decisions_after: string }>;
    const stored = new Set(
      events.map((e) => `${new Date(e.created_at).toISOString()} ${JSON.stringify(JSON.parse(e.decisions_after))}`),
    );
    const lost = acked.filter((a) => !stored.has(`${a.decidedAt} ${JSON.stringify(a.decisions)}`));
    expect(acked.length).toBeGreaterThan(10);
    expect(lost).toEqual([]);
    // Every chain verifies; each head's seq is its number of events; no record without an event.
    expect(await app.get(ConsentAuditService).verify()).toMatchObject({ ok: true, broken: 0 });
    const torn = (await direct.query(
      `SELECT h.subject_id FROM "${tablePrefix}consent_heads" h LEFT JOIN "${tablePrefix}consent_events" e ON e.subject_type = h.subject_type AND e.subject_id = h.subject_id
        GROUP BY h.subject_type, h.subject_id, h.seq HAVING COUNT(e.id) <> h.seq`,
    )) as unknown[];
    expect(torn).toEqual([]);
  }, 60_000);
});
