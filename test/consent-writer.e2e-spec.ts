import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentVisitorCookie } from '../src/consent/consent-visitor.cookie.js';
import { ConsentAuditService } from '../src/consent/consent-audit.service.js';
import { TypeOrmConsentWriter } from '../src/consent/typeorm-consent.writer.js';
import type { DecisionPlan } from '../src/consent/consent-write-plan.js';
import { ConsentWriter } from '../src/consent/consent.writer.js';
import { ConsentService, LoginListener, type ConsentSubject } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { ConsentPolicy } from '../src/consent/consent.policy.js';
import { cookiePair } from './support/cookie-jar.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { countQueries, dropPrefixedTables, MARIADB_URL, POSTGRES_URL, uniquePrefix } from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-consent-writer-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

/**
 * The same write semantics on every database, whichever writer is bound, including what the PostgreSQL
 * writer's head cache must survive: another instance writing in between, erasure, a head left at seq 0.
 */
describe.each([
  ['PostgreSQL', POSTGRES_URL, 'PostgresConsentWriter'],
  ['MariaDB', MARIADB_URL, 'TypeOrmConsentWriter'],
  ['SQLite', `sqlite:${join(sqliteDir, 'writer.sqlite')}`, 'TypeOrmConsentWriter'],
])('consent writes on %s', (_name, url, writerClass) => {
  const prefix = uniquePrefix('cwriter');
  const clock = new TestClock(JAN_1_2026);
  let a: INestApplication;
  let b: INestApplication;
  let ds: DataSource;

  const q = (name: string) => ds.driver.escape(`${prefix}${name}`);
  const col = (name: string) => ds.driver.escape(name);
  const visitor = (): ConsentSubject => ({ type: 'visitor', id: randomBytes(16).toString('base64url') });

  beforeAll(async () => {
    const site = { database: { url, tablePrefix: prefix } };
    a = (
      await bootLibraryApp({
        options: trackingOptions(site),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    // SQLite allows one process-wide writer per file: the second instance shares the first one's database handle.
    b = url.startsWith('sqlite')
      ? a
      : (
          await bootLibraryApp({
            options: trackingOptions(site),
            clock,
            controllers: [TrackController],
            appPipeAndFilter: true,
          })
        ).app;
    ds = a.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
  });

  afterAll(async () => {
    await a?.close();
    if (b !== a) await b?.close();
    if (!url.startsWith('sqlite')) await dropPrefixedTables(url, prefix);
  });

  async function events(subjectId: string): Promise<Array<{ seq: number; before: unknown; after: unknown }>> {
    const rows = (await ds.query(
      `SELECT ${col('seq')} AS seq, ${col('decisions_before')} AS b, ${col('decisions_after')} AS a FROM ${q('consent_events')} WHERE ${col('subject_id')} = '${subjectId}' ORDER BY ${col('seq')}`,
    )) as Array<{ seq: number | string; b: string | null; a: string }>;
    return rows.map((r) => ({
      seq: Number(r.seq),
      before: r.b === null ? null : JSON.parse(r.b),
      after: JSON.parse(r.a),
    }));
  }

  it(`binds the ${writerClass}`, () => {
    expect(a.get(ConsentWriter).constructor.name).toBe(writerClass);
  });

  it('alternating instances extend one chain, each event recording the previous decision as its "before"', async () => {
    const subject = visitor();
    const steps: Array<[INestApplication, boolean]> = [
      [a, true],
      [b, false],
      [b, true],
      [a, false],
      [a, true],
      [b, true],
    ];
    for (const [app, analytics] of steps) {
      clock.advance(1000);
      await app.get(ConsentService).recordFor(subject, { analytics, marketing: !analytics });
    }
    const chain = await events(subject.id);
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(chain[0].before).toBeNull();
    for (let i = 1; i < chain.length; i++) expect(chain[i].before).toEqual(chain[i - 1].after);
    expect(chain.map((e) => (e.after as Record<string, boolean>).analytics)).toEqual(
      steps.map(([, analytics]) => analytics),
    );
    expect(await a.get(ConsentService).verify(subject)).toMatchObject({ ok: true, checked: 6 });
    for (const app of [a, b])
      expect((await app.get(ConsentService).getStateOf(subject)).decisions).toMatchObject({
        analytics: true,
        marketing: false,
      });
  });

  (writerClass === 'PostgresConsentWriter' ? it : it.skip)(
    'sends one SQL statement per decision once it knows the head: a new visitor, then a returning one',
    async () => {
      const queries = countQueries(ds);
      const first = await request(a.getHttpServer())
        .put('/consent')
        .send({ choice: 'accept-all', policyVersion: '1' })
        .expect(200);
      expect(queries.count).toBe(1);
      const cookie = cookiePair(first, 'consent_visitor')!;
      queries.reset();
      await request(a.getHttpServer())
        .put('/consent')
        .set('Cookie', cookie)
        .send({ choice: 'reject-all', policyVersion: '1' })
        .expect(200);
      expect(queries.count).toBe(1);
    },
  );

  it('indexes every event by category in the same write', async () => {
    const subject = visitor();
    await a.get(ConsentService).recordFor(subject, { analytics: true });
    await a.get(ConsentService).withdrawFor(subject);
    const [row] = (await ds.query(
      `SELECT COUNT(*) AS n FROM ${q('consent_event_categories')} c JOIN ${q('consent_events')} e ON e.${col('id')} = c.${col('event_id')} WHERE e.${col('subject_id')} = '${subject.id}'`,
    )) as Array<{ n: number | string }>;
    // The demo's four categories, on each of the two events.
    expect(Number(row.n)).toBe(8);
  });

  it('starts a new chain after erasure, on the instance that wrote before it and on the other one', async () => {
    for (const eraser of [a, b]) {
      const subject = visitor();
      await a.get(ConsentService).recordFor(subject, { analytics: true });
      await eraser.get(ConsentService).eraseSubject(subject);
      await a.get(ConsentService).recordFor(subject, { marketing: true });
      const chain = await events(subject.id);
      expect(chain.map((e) => [e.seq, e.before])).toEqual([[1, null]]);
      expect(await a.get(ConsentService).verify(subject)).toMatchObject({ ok: true, checked: 1 });
    }
  });

  it('takes over a chain head left at seq 0', async () => {
    const subject = visitor();
    await ds.query(
      `INSERT INTO ${q('consent_heads')} (${col('subject_type')}, ${col('subject_id')}, ${col('seq')}, ${col('hash')}, ${col('updated_at')}) VALUES ('visitor', '${subject.id}', 0, NULL, '2026-01-01 00:00:00')`,
    );
    await b.get(ConsentService).recordFor(subject, { analytics: true });
    await a.get(ConsentService).recordFor(subject, { analytics: false });
    expect((await events(subject.id)).map((e) => e.seq)).toEqual([1, 2]);
    expect(await a.get(ConsentService).verify(subject)).toMatchObject({ ok: true, checked: 2 });
  });

  const pgOnly = writerClass === 'PostgresConsentWriter' ? it : it.skip;

  it('writes events in format 2, bound to the subject', async () => {
    const subject = visitor();
    await a.get(ConsentService).recordFor(subject, { analytics: true });
    await b.get(ConsentService).withdrawFor(subject);
    const [row] = (await ds.query(
      `SELECT MIN(${col('format')}) AS lo, MAX(${col('format')}) AS hi FROM ${q('consent_events')} WHERE ${col('subject_id')} = '${subject.id}'`,
    )) as Array<{ lo: number | string; hi: number | string }>;
    expect([Number(row.lo), Number(row.hi)]).toEqual([2, 2]);
    expect(await a.get(ConsentService).verify(subject)).toMatchObject({ ok: true, checked: 2 });
  });

  pgOnly(
    "the single statement writes the same rows as the TypeORM writer, and either extends the other one's chain",
    async () => {
      const typeorm = new TypeOrmConsentWriter(a.get(ConsentAuditService), a.get(ConsentPolicy));
      const pg = a.get(ConsentWriter);
      const plans: DecisionPlan[] = [
        { decisions: { analytics: true }, action: 'grant', source: 'banner', gpc: false },
        { decisions: {}, action: 'withdraw', source: 'settings', gpc: false },
        { decisions: { marketing: true, preferences: true }, action: 'update', source: 'api', gpc: false },
      ];
      const [viaPg, viaTypeOrm] = [visitor(), visitor()];
      for (const plan of plans) {
        clock.advance(1000);
        const context = { ip: '203.0.113.0', userAgent: 'writer-spec/1', locale: 'fr-FR' };
        await pg.write({ subject: viaPg, context, plan: () => plan });
        await typeorm.write({ subject: viaTypeOrm, context, plan: () => plan });
      }
      const rowsOf = async (s: ConsentSubject) => {
        const events = await ds.query(
          `SELECT * FROM ${q('consent_events')} WHERE ${col('subject_id')} = '${s.id}' ORDER BY ${col('seq')}`,
        );
        const categories = await ds.query(
          `SELECT c.* , e.${col('seq')} AS seq FROM ${q('consent_event_categories')} c JOIN ${q('consent_events')} e ON e.${col('id')} = c.${col('event_id')} ` +
            `WHERE e.${col('subject_id')} = '${s.id}' ORDER BY e.${col('seq')}, c.${col('category')}`,
        );
        const records = await ds.query(`SELECT * FROM ${q('consent_records')} WHERE ${col('subject_id')} = '${s.id}'`);
        const strip = (r: Record<string, unknown>, ...keys: string[]) =>
          Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
        return {
          events: events.map((r: Record<string, unknown>) => strip(r, 'id', 'subject_id', 'hash', 'prev_hash')),
          categories: categories.map((r: Record<string, unknown>) => strip(r, 'event_id')),
          records: records.map((r: Record<string, unknown>) => strip(r, 'id', 'subject_id')),
        };
      };
      expect(await rowsOf(viaTypeOrm)).toEqual(await rowsOf(viaPg));
      for (const s of [viaPg, viaTypeOrm])
        expect(await a.get(ConsentService).verify(s)).toMatchObject({ ok: true, checked: 3 });

      // One chain, written alternately by both (the statement's head cache is stale after the TypeORM writer).
      const shared = visitor();
      for (const [i, plan] of [...plans, ...plans].entries()) {
        clock.advance(1000);
        await (i % 2 === 0 ? pg : typeorm).write({ subject: shared, context: {}, plan: () => plan });
      }
      expect(await a.get(ConsentService).verify(shared)).toMatchObject({ ok: true, checked: 6 });
    },
  );

  async function categoriesOf(subjectId: string, seq: number): Promise<Record<string, boolean | null>> {
    const rows = (await ds.query(
      `SELECT c.${col('category')} AS category, c.${col('granted_after')} AS granted FROM ${q('consent_event_categories')} c ` +
        `JOIN ${q('consent_events')} e ON e.${col('id')} = c.${col('event_id')} WHERE e.${col('subject_id')} = '${subjectId}' AND e.${col('seq')} = ${seq}`,
    )) as Array<{ category: string; granted: boolean | null }>;
    return Object.fromEntries(rows.map((r) => [r.category, r.granted]));
  }

  pgOnly(
    'groups concurrent decisions of different subjects into shared statements, each landing in its own chain',
    async () => {
      const consent = a.get(ConsentService);
      const subjects = Array.from({ length: 24 }, visitor);
      for (const s of subjects) await consent.recordFor(s, { analytics: false, marketing: false });
      const queries = countQueries(ds);
      await Promise.all(
        subjects.map((s, i) => consent.recordFor(s, { analytics: i % 2 === 0, marketing: i % 3 === 0 })),
      );
      // Two statements go out alone at once; what arrives while they run shares the next ones.
      expect(queries.count).toBeLessThanOrEqual(subjects.length / 2);
      for (const [i, s] of subjects.entries()) {
        expect(await consent.verify(s)).toMatchObject({ ok: true, checked: 2 });
        expect(await categoriesOf(s.id, 2)).toMatchObject({ analytics: i % 2 === 0, marketing: i % 3 === 0 });
        expect((await consent.getStateOf(s)).decisions).toMatchObject({
          analytics: i % 2 === 0,
          marketing: i % 3 === 0,
        });
      }
    },
  );

  pgOnly('a decision the database refuses fails alone: the others in its statement are written', async () => {
    const consent = a.get(ConsentService);
    const subjects = Array.from({ length: 6 }, visitor);
    const refused = subjects[subjects.length - 1];
    for (const s of subjects) await consent.recordFor(s, { analytics: false });
    const fn = ds.driver.escape(`${prefix}refuse`);
    await ds.query(
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ` +
        `IF NEW.subject_id = '${refused.id}' THEN RAISE EXCEPTION 'refused for the test' USING ERRCODE = '23514'; END IF; RETURN NEW; END $$`,
    );
    await ds.query(
      `CREATE TRIGGER ${fn} BEFORE INSERT ON ${q('consent_events')} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    );
    try {
      const queries = countQueries(ds);
      // The refused decision is submitted last, so it shares a statement with others.
      const settled = await Promise.allSettled(subjects.map((s) => consent.recordFor(s, { analytics: true })));
      expect(settled.map((r) => r.status)).toEqual([...subjects.slice(1).map(() => 'fulfilled'), 'rejected']);
      expect(queries.count).toBeGreaterThan(subjects.length);
    } finally {
      await ds.query(`DROP TRIGGER ${fn} ON ${q('consent_events')}`);
      await ds.query(`DROP FUNCTION ${fn}()`);
    }
    for (const s of subjects.slice(0, -1)) expect(await consent.verify(s)).toMatchObject({ ok: true, checked: 2 });
    expect((await events(refused.id)).map((e) => e.seq)).toEqual([1]);
    expect((await consent.getStateOf(refused)).decisions).toMatchObject({ analytics: false });
    // Nothing of it was written, so its next decision extends the chain as usual.
    await consent.recordFor(refused, { analytics: true });
    expect(await consent.verify(refused)).toMatchObject({ ok: true, checked: 2 });
  });

  pgOnly("never puts a login link and the visitor's own decision in one statement (both must land)", async () => {
    const consent = a.get(ConsentService);
    // Decisions blocked on their head rows keep the statements in flight busy, so the ones after them queue together.
    const blockers = [visitor(), visitor()];
    for (const s of blockers) await consent.recordFor(s, { analytics: false });
    const res = await request(a.getHttpServer())
      .put('/consent')
      .send({ choice: 'reject-all', policyVersion: '1' })
      .expect(200);
    const cookie = cookiePair(res, 'consent_visitor')!;
    const visitorSubject: ConsentSubject = {
      type: 'visitor',
      id: a.get(ConsentVisitorCookie).decode(cookie.slice(cookie.indexOf('=') + 1))!.visitorId,
    };
    const user = { id: randomUUID(), username: 'linked', roles: [] };
    const lock = ds.createQueryRunner();
    await lock.connect();
    await lock.startTransaction();
    const pending: Array<Promise<unknown>> = [];
    try {
      await lock.query(
        `SELECT 1 FROM ${q('consent_heads')} WHERE ${col('subject_id')} IN ('${blockers[0].id}', '${blockers[1].id}') FOR UPDATE`,
      );
      pending.push(...blockers.map((s) => consent.recordFor(s, { analytics: true })));
      const req = { headers: { cookie }, session: {}, ip: '203.0.113.9' } as unknown as Request;
      pending.push(a.get(LoginListener).afterLogin(user, req, {} as Response));
      pending.push(consent.recordFor(visitorSubject, { analytics: true, marketing: true }));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await lock.commitTransaction();
      await lock.release();
    }
    await Promise.all(pending);
    const [record] = (await ds.query(
      `SELECT ${col('linked_user_id')} AS linked, ${col('decisions')} AS decisions FROM ${q('consent_records')} WHERE ${col('subject_type')} = 'visitor' AND ${col('subject_id')} = '${visitorSubject.id}'`,
    )) as Array<{ linked: string | null; decisions: string }>;
    expect(record.linked).toBe(user.id);
    expect(JSON.parse(record.decisions)).toMatchObject({ analytics: true, marketing: true });
    expect((await consent.history({ type: 'user', id: user.id })).map((h) => h.action)).toEqual(['link']);
  });
});
