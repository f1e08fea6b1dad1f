/**
 * Admin consent review at scale (issue 5): seeds PostgreSQL with 1,000,000 consent events over 200,000
 * subjects (in SQL, under a table prefix of its own, dropped at the end), then measures the admin read
 * side through the module's real services and the real HTTP export endpoint.
 *
 *   npm run bench -- admin-consent      (BENCH_EVENTS / BENCH_SUBJECTS / TEST_POSTGRES_URL to change)
 */
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { AdminConsentEventsService } from '../../src/admin/admin-consent-events.service.js';
import { AdminConsentStatsService } from '../../src/admin/admin-consent-stats.service.js';
import { AdminConsentSubjectService } from '../../src/admin/admin-consent-subject.service.js';
import { AdminCursorCodec } from '../../src/admin/admin-cursor.codec.js';
import { filterScope } from '../../src/admin/consent-event-filters.parse.js';
import { AUTH_CONSENT_DATA_SOURCE, AuthConsentExceptionFilter, AuthConsentModule } from '../../src/index.js';
import { dropPrefixedTables, POSTGRES_URL } from '../support/services.js';
import { machine, mergeBenchResults, timeIt } from './bench-results.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 200_000);
const DAYS = 365;
const START = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const prefix = `bench_${randomBytes(3).toString('hex')}_`;
const GOALS = { perSubjectP95Ms: 20, pageP95Ms: 20, statsP95Ms: 500, exportRssMb: 100 };

/** Deterministic pseudo-random bits of the event number, in SQL. */
const bit = (n: number) => `(((i * 2654435761::bigint) >> ${n}) & 1 = 1)`;
const jsonBool = (n: number) => `CASE WHEN ${bit(n)} THEN 'true' ELSE 'false' END`;

async function seed(ds: DataSource): Promise<number> {
  const t = Date.now();
  const ev = `"${prefix}consent_events"`;
  const cec = `"${prefix}consent_event_categories"`;
  const rec = `"${prefix}consent_records"`;
  const q = (sql: string) => ds.query(sql);
  await q(`SET maintenance_work_mem = '256MB'`);
  // Event i belongs to subject (i-1) % SUBJECTS; ids and created_at rise together, spread over DAYS days.
  await q(`
    INSERT INTO ${ev} (subject_type, subject_id, seq, action, decisions_before, decisions_after, policy_version, policy_hash,
                       source, locale, ip, user_agent, created_at, prev_hash, hash)
    SELECT CASE WHEN s % 10 = 0 THEN 'user' ELSE 'visitor' END,
           's' || s,
           k + 1,
           CASE WHEN k = 0 THEN CASE WHEN ${bit(3)} THEN 'grant' ELSE 'refuse' END
                ELSE (ARRAY['update','withdraw','update','link'])[1 + (i % 4)] END,
           CASE WHEN k = 0 THEN NULL ELSE '{"necessary":true,"preferences":true,"analytics":false,"marketing":false}' END,
           format('{"necessary":true,"preferences":%s,"analytics":%s,"marketing":%s}', ${jsonBool(5)}, ${jsonBool(7)}, ${jsonBool(11)}),
           '1', repeat('a', 64),
           (ARRAY['banner','settings','api','gpc','login','banner','settings'])[1 + (i % 7)],
           'en', '203.0.113.0', 'Mozilla/5.0 (bench)',
           to_timestamp(${START / 1000} + i * (${(DAYS * DAY) / 1000}::float8 / ${EVENTS})),
           CASE WHEN k = 0 THEN NULL ELSE md5((i - ${SUBJECTS})::text) || md5((i - ${SUBJECTS})::text || 'x') END,
           md5(i::text) || md5(i::text || 'x')
    FROM (SELECT i, (i - 1) % ${SUBJECTS} AS s, (i - 1) / ${SUBJECTS} AS k FROM generate_series(1, ${EVENTS}) AS i) g`);
  // What the consent writer adds for each event (ConsentEventCategoryIndexer), derived here in one statement.
  await q(`
    INSERT INTO ${cec} (event_id, category, action, created_at, granted_before, granted_after)
    SELECT e.id, d.key, e.action, e.created_at, (e.decisions_before::jsonb ->> d.key)::boolean, d.value::boolean
    FROM ${ev} e CROSS JOIN LATERAL jsonb_each_text(e.decisions_after::jsonb) d`);
  await q(`
    INSERT INTO ${rec} (id, subject_type, subject_id, policy_version, policy_hash, decisions, source, gpc, decided_at, expires_at, linked_user_id, version)
    SELECT DISTINCT ON (subject_type, subject_id) gen_random_uuid(), subject_type, subject_id, policy_version, policy_hash, decisions_after, source,
           false, created_at, created_at + interval '180 days', NULL, seq
    FROM ${ev} ORDER BY subject_type, subject_id, seq DESC`);
  for (const table of [ev, cec, rec]) await q(`VACUUM ANALYZE ${table}`);
  return Date.now() - t;
}

function rssMb(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** GETs the CSV export and discards it, counting lines; samples this process's RSS meanwhile. */
async function exportAll(app: INestApplication, path = '/admin/consent/events/export?format=csv'): Promise<{ rows: number; bytes: number; ms: number; baselineMb: number; peakMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baselineMb = rssMb();
  let peakMb = baselineMb;
  const trace: string[] = [];
  let ticks = 0;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb());
    if (process.env.BENCH_TRACE_MEMORY && ticks++ % 50 === 0) {
      const m = process.memoryUsage();
      trace.push(`rss ${(m.rss / 2 ** 20).toFixed(0)} heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} heapTotal ${(m.heapTotal / 2 ** 20).toFixed(0)} external ${(m.external / 2 ** 20).toFixed(0)} buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)}`);
    }
  }, 20);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const started = Date.now();
  try {
    return await new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, headers: { 'x-bench-admin': '1' } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`export answered ${res.statusCode}`));
        let rows = -1; // the header line
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
        });
        res.on('end', () => resolve({ rows, bytes, ms: Date.now() - started, baselineMb, peakMb: Math.max(peakMb, rssMb()) }));
        res.on('error', reject);
      }).on('error', reject);
    });
  } finally {
    clearInterval(sampler);
    if (trace.length) console.log(trace.join('\n'));
  }
}

async function main(): Promise<void> {
  @Module({ imports: [AuthConsentModule.forRoot({ environment: 'bench', database: { url: POSTGRES_URL, tablePrefix: prefix }, session: { secret: 'bench-secret-that-is-long-enough-0123456789' } })] })
  class BenchModule {}

  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  // The bench plays an admin (no login in the loop: it measures the admin read side, not sign-in).
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.headers['x-bench-admin']) req.user = { id: 'bench-admin', username: 'bench', roles: ['admin'] };
    next();
  });
  app.useGlobalFilters(new AuthConsentExceptionFilter());
  await app.listen(0, '127.0.0.1');
  const ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
  try {
    console.log(`Seeding ${EVENTS.toLocaleString('en')} events over ${SUBJECTS.toLocaleString('en')} subjects (prefix ${prefix})…`);
    const seedMs = await seed(ds);
    console.log(`Seeded in ${(seedMs / 1000).toFixed(1)} s.`);

    const subjects = app.get(AdminConsentSubjectService);
    const events = app.get(AdminConsentEventsService);
    const stats = app.get(AdminConsentStatsService);
    const cursors = app.get(AdminCursorCodec);
    const subjectAt = (i: number) => {
      const s = (i * 7919 + 13) % SUBJECTS;
      return { subjectType: s % 10 === 0 ? ('user' as const) : ('visitor' as const), subjectId: `s${s}` };
    };
    // A cursor deep in the list (between 20% and 80% of the time range): keyset cost does not depend on depth.
    const deep = (i: number, scope: string) => {
      const at = new Date(START + Math.floor(DAYS * DAY * (0.2 + ((i * 37) % 60) / 100)));
      return cursors.encode({ createdAt: at, id: String(Number.MAX_SAFE_INTEGER) }, scope);
    };
    const deepPage = (filters: { source?: string; category?: string; action?: string }) => (i: number) =>
      events.page({ ...filters, limit: 100, order: 'desc', cursor: deep(i, filterScope('events', filters, 'desc')) });
    const last30 = { from: new Date(START + (DAYS - 30) * DAY), to: new Date(START + DAYS * DAY) };

    const results = {
      subjectState: await timeIt(300, 30, (i) => subjects.get(subjectAt(i).subjectType, subjectAt(i).subjectId)),
      subjectHistory: await timeIt(300, 30, (i) => events.page({ ...subjectAt(i), limit: 100, order: 'desc' })),
      deepPageSource: await timeIt(300, 30, deepPage({ source: 'gpc' })),
      deepPageCategory: await timeIt(300, 30, deepPage({ category: 'marketing' })),
      deepPageActionCategory: await timeIt(300, 30, deepPage({ action: 'withdraw', category: 'analytics' })),
      stats30Days: await timeIt(20, 3, () => stats.stats(last30)),
    };
    const sample = await stats.stats(last30);
    // A small export first, so one-time costs (code compiled on first use, pool buffers) are not counted as growth.
    await exportAll(app, `/admin/consent/events/export?format=csv&from=${new Date(START + (DAYS - 3) * DAY).toISOString()}`);
    const exp = await exportAll(app);
    if (exp.rows !== EVENTS) throw new Error(`export wrote ${exp.rows} rows, expected ${EVENTS}`);

    const rows: Array<[string, string, string, string]> = [
      ['one subject: current state', `${results.subjectState.p50}`, `${results.subjectState.p95}`, `< ${GOALS.perSubjectP95Ms}`],
      ['one subject: history (page of 100)', `${results.subjectHistory.p50}`, `${results.subjectHistory.p95}`, `< ${GOALS.perSubjectP95Ms}`],
      ['deep page, source=gpc', `${results.deepPageSource.p50}`, `${results.deepPageSource.p95}`, `< ${GOALS.pageP95Ms}`],
      ['deep page, category=marketing', `${results.deepPageCategory.p50}`, `${results.deepPageCategory.p95}`, `< ${GOALS.pageP95Ms}`],
      ['deep page, action=withdraw & category=analytics', `${results.deepPageActionCategory.p50}`, `${results.deepPageActionCategory.p95}`, `< ${GOALS.pageP95Ms}`],
      ['stats over 30 days', `${results.stats30Days.p50}`, `${results.stats30Days.p95}`, `< ${GOALS.statsP95Ms}`],
    ];
    const growth = Math.round((exp.peakMb - exp.baselineMb) * 10) / 10;
    console.log(`\n| query (PostgreSQL, ${EVENTS.toLocaleString('en')} events) | p50 ms | p95 ms | goal p95 ms |`);
    console.log('|---|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(
      `| CSV export of all events over HTTP: ${exp.rows.toLocaleString('en')} rows, ${(exp.bytes / 2 ** 20).toFixed(0)} MB in ${(exp.ms / 1000).toFixed(1)} s | RSS +${growth} MB | (peak ${exp.peakMb.toFixed(0)} MB) | < ${GOALS.exportRssMb} MB |`,
    );
    console.log(`\nStats sample: ${sample.decisions} decisions, byCategory ${JSON.stringify(sample.byCategory)}`);

    const ok =
      results.subjectState.p95 < GOALS.perSubjectP95Ms &&
      results.subjectHistory.p95 < GOALS.perSubjectP95Ms &&
      results.deepPageSource.p95 < GOALS.pageP95Ms &&
      results.deepPageCategory.p95 < GOALS.pageP95Ms &&
      results.deepPageActionCategory.p95 < GOALS.pageP95Ms &&
      results.stats30Days.p95 < GOALS.statsP95Ms &&
      growth < GOALS.exportRssMb;
    console.log(`Goals ${ok ? 'met' : 'NOT met'}.`);
    const pg = (await ds.query('SHOW server_version')) as Array<{ server_version: string }>;
    mergeBenchResults('admin-consent', {
      date: new Date().toISOString(),
      machine: { ...machine(), postgres: pg[0]?.server_version },
      events: EVENTS,
      subjects: SUBJECTS,
      seedSeconds: Math.round(seedMs / 100) / 10,
      ms: results,
      export: { rows: exp.rows, megabytes: Math.round(exp.bytes / 2 ** 20), seconds: exp.ms / 1000, rssGrowthMb: growth, peakRssMb: Math.round(exp.peakMb) },
      goals: GOALS,
      goalsMet: ok,
    });
  } finally {
    await app.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
