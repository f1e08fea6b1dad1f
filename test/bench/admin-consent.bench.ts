/**
 * Admin consent review at scale (issues 5 and 16): seeds PostgreSQL with 1,000,000 consent events over 200,000
 * subjects (in SQL, under a table prefix of its own, dropped at the end; then the hashes are made genuine and
 * the heads written, so every chain verifies), then measures the admin read side through the module's real
 * services, verify-all (chains/s: the walk before issue 16, per 500 subjects with entities, on its first
 * subjects; the keyset walk over every chain), the real HTTP export endpoint (RSS growth; again in a child
 * limited to a 160 MB heap) and the built CLI's `consent:verify` in a child (peak RSS, its progress lines).
 *
 *   npm run bench -- admin-consent      (BENCH_EVENTS / BENCH_SUBJECTS / BENCH_OLD_VERIFY_SUBJECTS / TEST_POSTGRES_URL to change)
 *
 * `BENCH_KEEP=1` keeps the seeded tables and prints their prefix; `BENCH_PREFIX=<prefix>` runs on such tables
 * again without seeding (same BENCH_EVENTS / BENCH_SUBJECTS). `BENCH_ONLY=verify,export` (any of `queries`,
 * `verify`, `export`, `cli`) runs only those parts; the goals line then judges only what ran.
 */
import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { AdminConsentEventsService } from '../../src/admin/admin-consent-events.service.js';
import { AdminConsentStatsService } from '../../src/admin/admin-consent-stats.service.js';
import { AdminConsentSubjectService } from '../../src/admin/admin-consent-subject.service.js';
import { AdminCursorCodec } from '../../src/admin/admin-cursor.codec.js';
import { filterScope } from '../../src/admin/consent-event-filters.parse.js';
import { ConsentAuditService, VERIFY_BATCH } from '../../src/consent/consent-audit.service.js';
import { CONSENT_FORMAT, subjectPseudonym } from '../../src/consent/consent-format.js';
import { CONSENT_KEYS, type ConsentKeys } from '../../src/consent/consent-keys.provider.js';
import { AuthConsentExceptionFilter, AuthConsentModule } from '../../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../../src/auth-consent.constants.js';
import { dropPrefixedTables, POSTGRES_URL } from '../support/services.js';
import { machine, mergeBenchResults, timeIt } from './bench-results.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 200_000);
const DAYS = 365;
const START = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
/** Subjects the walk from before issue 16 verifies (its rate is flat along the walk: keyset batches of 500). */
const OLD_VERIFY_SUBJECTS = Number(process.env.BENCH_OLD_VERIFY_SUBJECTS ?? 20_000);
/** `--export-child <prefix>`: this file in a child that only exports (see exportInChild). */
const CHILD = process.argv[2] === '--export-child' ? process.argv[3] : undefined;
/** Tables seeded by an earlier run kept with BENCH_KEEP=1: no seeding, and they are kept again. */
const REUSE = process.env.BENCH_PREFIX;
const prefix = CHILD ?? REUSE ?? `bench_${randomBytes(3).toString('hex')}_`;
const PARTS = ['queries', 'verify', 'export', 'cli'] as const;
const ONLY = (process.env.BENCH_ONLY ?? PARTS.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter(Boolean);
const runs = (part: (typeof PARTS)[number]) => ONLY.includes(part);
const AUDIT_SECRET = 'bench audit secret, long enough 0123456789';
const SESSION_SECRET = 'bench-secret-that-is-long-enough-0123456789';
/** The seed's statements run for minutes: the bench's own app lifts the module's 1.5 s limit (the CLI child keeps the default). */
const STATEMENT_TIMEOUT = CHILD ? undefined : '10m';
/** The heap limit of the export child and of the CLI child. */
const CHILD_HEAP_MB = 160;
/**
 * Verify-all at 550 chains/s before issue 16 (its README): the goal is five times that (`verifyChainsPerSecond`),
 * also shown against the old walk in the same run (`verifySpeedup`; that walk now runs on today's faster checks).
 */
const GOALS = {
  perSubjectP95Ms: 20,
  pageP95Ms: 20,
  statsP95Ms: 500,
  exportRssMb: 100,
  verifySpeedup: 5,
  verifyChainsPerSecond: 5 * 550,
};

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
                       source, locale, ip, user_agent, created_at, prev_hash, hash, format)
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
           md5(i::text) || md5(i::text || 'x'),
           ${CONSENT_FORMAT}
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

/**
 * Gives every seeded chain genuine hashes (HMAC with the bench's audit key, chained by prev_hash, bound to the
 * subject's pseudonym: what the consent writer computes) and its head row, so that verify-all finds every
 * chain whole and checks all of it. Walks the events in chain order in JS, then one UPDATE from a scratch table.
 */
async function makeChainsGenuine(ds: DataSource, audit: ConsentAuditService, keys: ConsentKeys): Promise<number> {
  const t = Date.now();
  const ev = `"${prefix}consent_events"`;
  const scratch = `"${prefix}scratch_hashes"`;
  await ds.query(
    `CREATE UNLOGGED TABLE ${scratch} (id bigint PRIMARY KEY, prev_hash varchar(64), hash varchar(64) NOT NULL)`,
  );
  type Row = {
    id: string;
    subject_type: string;
    subject_id: string;
    seq: number;
    action: string;
    decisions_before: string | null;
    decisions_after: string;
    policy_version: string;
    policy_hash: string;
    source: string;
    locale: string | null;
    created_at: Date;
  };
  let after: [string, string, number] = ['', '', 0];
  let subject = '';
  let prev: string | null = null;
  let pseudonym = '';
  for (;;) {
    const rows = (await ds.query(
      `SELECT id, subject_type, subject_id, seq, action, decisions_before, decisions_after, policy_version, policy_hash, source, locale, created_at
       FROM ${ev} WHERE (subject_type, subject_id, seq) > ($1, $2, $3) ORDER BY subject_type, subject_id, seq LIMIT 20000`,
      after,
    )) as Row[];
    if (rows.length === 0) break;
    const ids: string[] = [];
    const prevs: Array<string | null> = [];
    const hashes: string[] = [];
    for (const r of rows) {
      const key = `${r.subject_type}\u0000${r.subject_id}`;
      if (key !== subject) {
        subject = key;
        prev = null;
        pseudonym = subjectPseudonym(keys.subject, r.subject_type, r.subject_id);
      }
      const hash = audit.hashEvent(
        {
          seq: r.seq,
          action: r.action,
          decisionsBefore: r.decisions_before === null ? null : JSON.parse(r.decisions_before),
          decisionsAfter: JSON.parse(r.decisions_after),
          policyVersion: r.policy_version,
          policyHash: r.policy_hash,
          source: r.source,
          locale: r.locale,
          createdAt: r.created_at,
          prevHash: prev,
          format: CONSENT_FORMAT,
        } as never,
        pseudonym,
      );
      ids.push(r.id);
      prevs.push(prev);
      hashes.push(hash);
      prev = hash;
    }
    await ds.query(`INSERT INTO ${scratch} SELECT * FROM unnest($1::bigint[], $2::varchar[], $3::varchar[])`, [
      ids,
      prevs,
      hashes,
    ]);
    const last = rows[rows.length - 1];
    after = [last.subject_type, last.subject_id, last.seq];
  }
  await ds.query(`UPDATE ${ev} e SET prev_hash = s.prev_hash, hash = s.hash FROM ${scratch} s WHERE e.id = s.id`);
  await ds.query(`DROP TABLE ${scratch}`);
  await ds.query(`
    INSERT INTO "${prefix}consent_heads" (subject_type, subject_id, seq, hash, updated_at)
    SELECT DISTINCT ON (subject_type, subject_id) subject_type, subject_id, seq, hash, created_at FROM ${ev} ORDER BY subject_type, subject_id, seq DESC`);
  for (const table of [ev, `"${prefix}consent_heads"`]) await ds.query(`VACUUM ANALYZE ${table}`);
  return Date.now() - t;
}

/** Peak RSS of a child process (Linux: the high-water mark, read just before it exits, or sampled). */
function childRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Runs `node <args>` with `env`, sampling its peak RSS; resolves with its output and exit code. */
function runChild(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; peakRssMb: number; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const sampler = setInterval(() => (peak = Math.max(peak, childRss(child.pid!))), 50);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(sampler);
      resolve({ code, stdout, stderr, peakRssMb: Math.round(peak * 10) / 10, ms: Date.now() - started });
    });
  });
}

/** Verify-all as it was before issue 16: subjects 500 at a time (a GROUP BY keyset), their rows by IN lists, hydrated as entities. */
async function oldVerify(audit: ConsentAuditService, limit: number): Promise<{ subjects: number; ms: number }> {
  const started = Date.now();
  let subjects = 0;
  let batch = await audit.subjectsToVerify('events');
  while (batch.length > 0 && subjects < limit) {
    const verdicts = await audit.verifyBatch(batch);
    if (verdicts.some((v) => v.failure))
      throw new Error(`old verify: ${JSON.stringify(verdicts.find((v) => v.failure))}`);
    subjects += verdicts.length;
    batch = batch.length < VERIFY_BATCH ? [] : await audit.subjectsToVerify('events', batch[batch.length - 1]);
  }
  return { subjects, ms: Date.now() - started };
}

function rssMb(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** GETs the CSV export and discards it, counting lines; samples this process's RSS meanwhile. */
async function exportAll(
  app: INestApplication,
  path = '/admin/consent/events/export?format=csv',
): Promise<{ rows: number; bytes: number; ms: number; baselineMb: number; peakMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baselineMb = rssMb();
  let peakMb = baselineMb;
  const trace: string[] = [];
  let ticks = 0;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb());
    if (process.env.BENCH_TRACE_MEMORY && ticks++ % 50 === 0) {
      const m = process.memoryUsage();
      trace.push(
        `rss ${(m.rss / 2 ** 20).toFixed(0)} heapUsed ${(m.heapUsed / 2 ** 20).toFixed(0)} heapTotal ${(m.heapTotal / 2 ** 20).toFixed(0)} external ${(m.external / 2 ** 20).toFixed(0)} buffers ${(m.arrayBuffers / 2 ** 20).toFixed(0)}`,
      );
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
        res.on('end', () =>
          resolve({ rows, bytes, ms: Date.now() - started, baselineMb, peakMb: Math.max(peakMb, rssMb()) }),
        );
        res.on('error', reject);
      }).on('error', reject);
    });
  } finally {
    clearInterval(sampler);
    if (trace.length) console.log(trace.join('\n'));
  }
}

async function boot(): Promise<INestApplication> {
  @Module({
    imports: [
      AuthConsentModule.forRoot({
        environment: 'bench',
        database: { url: POSTGRES_URL, tablePrefix: prefix, statementTimeout: STATEMENT_TIMEOUT },
        session: { secret: SESSION_SECRET },
        consent: { auditSecret: AUDIT_SECRET },
      }),
    ],
  })
  class BenchModule {}

  const app = await NestFactory.create(BenchModule, { logger: ['error'] });
  // The bench plays an admin (no login in the loop: it measures the admin read side, not sign-in).
  app.use((req: Request, _res: Response, next: NextFunction) => {
    if (req.headers['x-bench-admin']) req.user = { id: 'bench-admin', username: 'bench', roles: ['admin'] };
    next();
  });
  app.useGlobalFilters(new AuthConsentExceptionFilter());
  await app.listen(0, '127.0.0.1');
  return app;
}

/** The child of {@link exportInChild}: boots on the seeded tables, exports (a small export first, as the parent does), prints its figures as JSON. */
async function exportChild(): Promise<void> {
  const app = await boot();
  try {
    await exportAll(
      app,
      `/admin/consent/events/export?format=csv&from=${new Date(START + (DAYS - 3) * DAY).toISOString()}`,
    );
    const exp = await exportAll(app);
    console.log(JSON.stringify({ ...exp, heapLimitMb: CHILD_HEAP_MB }));
  } finally {
    await app.close();
  }
}

/** The export again, in a child whose heap is limited to {@link CHILD_HEAP_MB} MB: it completes, with every row. */
async function exportInChild(): Promise<{ rows: number; growthMb: number; peakRssMb: number; ms: number }> {
  const run = await runChild(
    [`--max-old-space-size=${CHILD_HEAP_MB}`, '--expose-gc', fileURLToPath(import.meta.url), '--export-child', prefix],
    {
      TEST_POSTGRES_URL: POSTGRES_URL,
    },
  );
  if (run.code !== 0) throw new Error(`the export child failed (exit ${run.code}): ${run.stderr}`);
  const exp = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    rows: number;
    baselineMb: number;
    peakMb: number;
    ms: number;
  };
  return {
    rows: exp.rows,
    growthMb: Math.round((exp.peakMb - exp.baselineMb) * 10) / 10,
    peakRssMb: Math.round(exp.peakMb),
    ms: exp.ms,
  };
}

/** The built CLI's `consent:verify` on the bench's tables, its heap limited to {@link CHILD_HEAP_MB} MB (piped: count lines). */
async function cliVerify(): Promise<{
  code: number | null;
  seconds: number;
  peakRssMb: number;
  progressLines: number;
  last: string;
}> {
  const cli = fileURLToPath(new URL('../../src/demo/cli.js', import.meta.url));
  const run = await runChild([`--max-old-space-size=${CHILD_HEAP_MB}`, cli, 'consent:verify'], {
    DATABASE_URL: POSTGRES_URL,
    TABLE_PREFIX: prefix,
    SESSION_SECRET,
    CONSENT_AUDIT_SECRET: AUDIT_SECRET,
  });
  const lines = run.stdout.trim().split('\n');
  if (run.code !== 0) console.error(`consent:verify failed (exit ${run.code}): ${run.stdout}${run.stderr}`);
  return {
    code: run.code,
    seconds: run.ms / 1000,
    peakRssMb: run.peakRssMb,
    progressLines: lines.filter((l) => l.startsWith('Verified ')).length,
    last: lines.filter((l) => l.startsWith('Verified ')).pop() ?? '',
  };
}

async function main(): Promise<void> {
  const app = await boot();
  const ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
  const audit = app.get(ConsentAuditService);
  try {
    let seedMs = 0;
    if (REUSE) {
      console.log(`Reusing the tables under prefix ${prefix} (BENCH_PREFIX): no seeding.`);
    } else {
      console.log(
        `Seeding ${EVENTS.toLocaleString('en')} events over ${SUBJECTS.toLocaleString('en')} subjects (prefix ${prefix})…`,
      );
      seedMs = await seed(ds);
      const genuineMs = await makeChainsGenuine(ds, audit, app.get<ConsentKeys>(CONSENT_KEYS));
      console.log(
        `Seeded in ${(seedMs / 1000).toFixed(1)} s; hashes and heads made genuine in ${(genuineMs / 1000).toFixed(1)} s.`,
      );
    }

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

    const ok: boolean[] = [];
    const results: Record<string, unknown> = {
      date: new Date().toISOString(),
      machine: {
        ...machine(),
        postgres: ((await ds.query('SHOW server_version')) as Array<{ server_version: string }>)[0]?.server_version,
      },
      events: EVENTS,
      subjects: SUBJECTS,
      seedSeconds: Math.round(seedMs / 100) / 10,
      parts: ONLY,
      goals: GOALS,
    };

    if (runs('queries')) {
      const ms = {
        subjectState: await timeIt(300, 30, (i) => subjects.get(subjectAt(i).subjectType, subjectAt(i).subjectId)),
        subjectHistory: await timeIt(300, 30, (i) => events.page({ ...subjectAt(i), limit: 100, order: 'desc' })),
        deepPageSource: await timeIt(300, 30, deepPage({ source: 'gpc' })),
        deepPageCategory: await timeIt(300, 30, deepPage({ category: 'marketing' })),
        deepPageActionCategory: await timeIt(300, 30, deepPage({ action: 'withdraw', category: 'analytics' })),
        stats30Days: await timeIt(20, 3, () => stats.stats(last30)),
      };
      const sample = await stats.stats(last30);
      const rows: Array<[string, string, string, string]> = [
        [
          'one subject: current state',
          `${ms.subjectState.p50}`,
          `${ms.subjectState.p95}`,
          `< ${GOALS.perSubjectP95Ms}`,
        ],
        [
          'one subject: history (page of 100)',
          `${ms.subjectHistory.p50}`,
          `${ms.subjectHistory.p95}`,
          `< ${GOALS.perSubjectP95Ms}`,
        ],
        ['deep page, source=gpc', `${ms.deepPageSource.p50}`, `${ms.deepPageSource.p95}`, `< ${GOALS.pageP95Ms}`],
        [
          'deep page, category=marketing',
          `${ms.deepPageCategory.p50}`,
          `${ms.deepPageCategory.p95}`,
          `< ${GOALS.pageP95Ms}`,
        ],
        [
          'deep page, action=withdraw & category=analytics',
          `${ms.deepPageActionCategory.p50}`,
          `${ms.deepPageActionCategory.p95}`,
          `< ${GOALS.pageP95Ms}`,
        ],
        ['stats over 30 days', `${ms.stats30Days.p50}`, `${ms.stats30Days.p95}`, `< ${GOALS.statsP95Ms}`],
      ];
      console.log(`\n| query (PostgreSQL, ${EVENTS.toLocaleString('en')} events) | p50 ms | p95 ms | goal p95 ms |`);
      console.log('|---|---:|---:|---:|');
      for (const r of rows) console.log(`| ${r.join(' | ')} |`);
      console.log(`\nStats sample: ${sample.decisions} decisions, byCategory ${JSON.stringify(sample.byCategory)}`);
      ok.push(
        ms.subjectState.p95 < GOALS.perSubjectP95Ms &&
          ms.subjectHistory.p95 < GOALS.perSubjectP95Ms &&
          ms.deepPageSource.p95 < GOALS.pageP95Ms &&
          ms.deepPageCategory.p95 < GOALS.pageP95Ms &&
          ms.deepPageActionCategory.p95 < GOALS.pageP95Ms &&
          ms.stats30Days.p95 < GOALS.statsP95Ms,
      );
      results.ms = ms;
    }

    if (runs('verify')) {
      // Verify-all: the walk from before issue 16 on its first subjects, then the keyset walk over every chain (same process, same tables).
      const old = await oldVerify(audit, OLD_VERIFY_SUBJECTS);
      (globalThis as { gc?: () => void }).gc?.();
      const verifyBaseline = rssMb();
      let verifyPeak = verifyBaseline;
      const started = Date.now();
      const report = await audit.verify(undefined, { onProgress: () => (verifyPeak = Math.max(verifyPeak, rssMb())) });
      const verifyMs = Date.now() - started;
      if (!report.ok || report.subjects !== SUBJECTS || report.checked !== EVENTS)
        throw new Error(`verify-all: ${JSON.stringify(report)}`);
      const verify = {
        oldChainsPerSecond: Math.round(old.subjects / (old.ms / 1000)),
        oldSubjects: old.subjects,
        chainsPerSecond: Math.round(report.subjects / (verifyMs / 1000)),
        eventsPerSecond: Math.round(report.checked / (verifyMs / 1000)),
        seconds: verifyMs / 1000,
        rssGrowthMb: Math.round((verifyPeak - verifyBaseline) * 10) / 10,
      };
      const speedup = Math.round((verify.chainsPerSecond / verify.oldChainsPerSecond) * 10) / 10;
      console.log(
        `\n| verify-all (${SUBJECTS.toLocaleString('en')} chains, ${EVENTS.toLocaleString('en')} events) | chains/s | | goal |`,
      );
      console.log('|---|---:|---:|---:|');
      console.log(
        `| before issue 16 (subjects 500 at a time, entities), first ${verify.oldSubjects.toLocaleString('en')} subjects | ${verify.oldChainsPerSecond.toLocaleString('en')} | | |`,
      );
      console.log(
        `| keyset walk over the events, every chain: ${verify.seconds.toFixed(1)} s, ${verify.eventsPerSecond.toLocaleString('en')} events/s, RSS +${verify.rssGrowthMb} MB | ${verify.chainsPerSecond.toLocaleString('en')} | **${speedup}×** | ≥ ${GOALS.verifySpeedup}× |`,
      );
      console.log(
        `| the keyset walk against issue 16's 550 chains/s | ${verify.chainsPerSecond.toLocaleString('en')} | **${Math.round((verify.chainsPerSecond / 550) * 10) / 10}×** | ≥ ${GOALS.verifyChainsPerSecond.toLocaleString('en')} chains/s |`,
      );
      console.log(JSON.stringify({ verify, speedup }));
      // Met when five times issue 16's rate; the same-run ratio is printed (and kept in the results) beside it.
      ok.push(verify.chainsPerSecond >= GOALS.verifyChainsPerSecond);
      results.verify = { ...verify, speedup };
    }

    if (runs('export')) {
      // A small export first, so one-time costs (code compiled on first use, pool buffers) are not counted as growth.
      await exportAll(
        app,
        `/admin/consent/events/export?format=csv&from=${new Date(START + (DAYS - 3) * DAY).toISOString()}`,
      );
      const exp = await exportAll(app);
      if (exp.rows !== EVENTS) throw new Error(`export wrote ${exp.rows} rows, expected ${EVENTS}`);
      const child = await exportInChild();
      if (child.rows !== EVENTS) throw new Error(`the export child wrote ${child.rows} rows, expected ${EVENTS}`);
      const growth = Math.round((exp.peakMb - exp.baselineMb) * 10) / 10;
      console.log(
        `| CSV export of all events over HTTP: ${exp.rows.toLocaleString('en')} rows, ${(exp.bytes / 2 ** 20).toFixed(0)} MB in ${(exp.ms / 1000).toFixed(1)} s | RSS +${growth} MB | (peak ${exp.peakMb.toFixed(0)} MB) | < ${GOALS.exportRssMb} MB |`,
      );
      console.log(
        `| CSV export again, in a child with --max-old-space-size=${CHILD_HEAP_MB}: ${child.rows.toLocaleString('en')} rows in ${(child.ms / 1000).toFixed(1)} s | RSS +${child.growthMb} MB | (peak ${child.peakRssMb} MB) | completes |`,
      );
      console.log(
        JSON.stringify({
          export: { rows: exp.rows, growthMb: growth, peakMb: Math.round(exp.peakMb) },
          exportChild: child,
        }),
      );
      ok.push(growth < GOALS.exportRssMb && child.growthMb < GOALS.exportRssMb);
      results.export = {
        rows: exp.rows,
        megabytes: Math.round(exp.bytes / 2 ** 20),
        seconds: exp.ms / 1000,
        rssGrowthMb: growth,
        peakRssMb: Math.round(exp.peakMb),
      };
      results.exportChild = { heapLimitMb: CHILD_HEAP_MB, ...child };
    }

    if (runs('cli')) {
      const cli = await cliVerify();
      console.log(
        `| \`consent:verify\` (built CLI, child, --max-old-space-size=${CHILD_HEAP_MB}, piped): ${cli.seconds.toFixed(1)} s with boot and checkpoint, exit ${cli.code}, ${cli.progressLines} count lines, last "${cli.last}" | peak RSS ${cli.peakRssMb} MB | | |`,
      );
      ok.push(cli.code === 0);
      results.cliVerify = { heapLimitMb: CHILD_HEAP_MB, ...cli };
    }

    const met = ok.every(Boolean);
    console.log(
      `Goals ${met ? 'met' : 'NOT met'}${ONLY.length < PARTS.length ? ` (of the parts run: ${ONLY.join(', ')})` : ''}.`,
    );
    results.goalsMet = met;
    mergeBenchResults(EVENTS === 1_000_000 ? 'admin-consent' : `admin-consent-${EVENTS}`, results);
  } finally {
    await app.close();
    // BENCH_KEEP=1 leaves the seeded tables for a second look (drop them with the prefix printed at the start); BENCH_PREFIX's are kept too.
    if (!process.env.BENCH_KEEP && !REUSE) await dropPrefixedTables(POSTGRES_URL, prefix);
  }
}

(CHILD ? exportChild() : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
