import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { ConsentHeadEntity } from '../src/consent/consent-head.entity.js';
import { ConsentService, type AuthConsentModuleOptions } from '../src/index.js';
import type { AdminAuditView } from '../src/admin/admin-audit.service.js';
import type { ConsentVerifyLine } from '../src/admin/admin-consent-verify.service.js';
import { dataSourceOf, asText } from './support/admin.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import { TRACKING_CATEGORIES } from './support/tracking-fixture.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const prefix = uniquePrefix('admv');
const options: AuthConsentModuleOptions = {
  environment: 'test',
  redis: { url: REDIS_URL },
  database: { url: POSTGRES_URL, tablePrefix: prefix },
  session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
  consent: { categories: TRACKING_CATEGORIES, auditSecret: 'admin verify spec audit secret 0123456789' },
};
/** More subjects than one progress step (100) so the stream shows a running count. */
const SUBJECTS = 130;

function parseNdjson(text: string): ConsentVerifyLine[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ConsentVerifyLine);
}

describe('admin consent verification (PostgreSQL)', () => {
  let app: INestApplication;
  let ds: DataSource;
  let events: string;
  let total: number;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = (await bootLibraryApp({ options: fastArgon2(options), appPipeAndFilter: true, signIn: [ADMIN, NOT_ADMIN] }))
      .app;
    ds = dataSourceOf(app);
    events = ds.getMetadata(ConsentEventEntity).tablePath;
    const consent = app.get(ConsentService);
    for (let i = 0; i < SUBJECTS; i++) {
      const subject = { type: i % 10 === 0 ? 'user' : 'visitor', id: `sub-${String(i).padStart(3, '0')}` } as const;
      await consent.recordFor(subject, { analytics: i % 2 === 0, marketing: false, preferences: true });
      if (i < 3) {
        await consent.recordFor(
          subject,
          { analytics: true, marketing: true, preferences: true },
          { source: 'settings' },
        );
        await consent.withdrawFor(subject);
      }
    }
    total = SUBJECTS + 6;
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(`${prefix}:`);
  });

  it.each(['/admin/consent/verify', '/admin/consent/verify?subjectType=visitor&subjectId=sub-001'])(
    'GET %s is 401 signed out and 403 for a non-admin',
    async (path) => {
      expect((await http().get(path).expect(401)).body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: expect.any(String),
      });
      expect(
        (
          await http()
            .get(path)
            .set(...as(NOT_ADMIN))
            .expect(403)
        ).body,
      ).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    },
  );

  it.each([
    'subjectType=visitor',
    'subjectId=sub-001',
    'subjectType=robot&subjectId=sub-001',
    'subjectType=visitor&subjectId=a%20b',
    'subjectType=visitor&subjectId=sub-001&extra=1',
    'subjectType=visitor&subjectType=user&subjectId=sub-001',
  ])('?%s is 400 JSON', async (query) => {
    const res = await http()
      .get(`/admin/consent/verify?${query}`)
      .set(...as(ADMIN))
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
  });

  it('one intact subject verifies; an unknown subject is 404', async () => {
    const res = await http()
      .get('/admin/consent/verify?subjectType=visitor&subjectId=sub-001')
      .set(...as(ADMIN))
      .expect(200);
    expect(res.body).toEqual({ ok: true, checked: 3 });
    expect(res.headers['cache-control']).toBe('no-store');
    await http()
      .get('/admin/consent/verify?subjectType=visitor&subjectId=nobody')
      .set(...as(ADMIN))
      .expect(404);
  });

  it('every subject, streamed as NDJSON with a running count and a final report', async () => {
    const res = await http()
      .get('/admin/consent/verify')
      .set(...as(ADMIN))
      .buffer(true)
      .parse(asText)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = parseNdjson(res.body as string);
    const progress = lines.filter((l): l is { checked: number; subjects: number } => 'subjects' in l && !('done' in l));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].subjects).toBe(100);
    expect(progress[progress.length - 1]).toEqual({ checked: total, subjects: SUBJECTS, total: SUBJECTS });
    expect(lines[lines.length - 1]).toEqual({ done: true, ok: true, subjects: SUBJECTS, checked: total, broken: 0 });
    expect(await app.get(ConsentService).verify()).toMatchObject({ ok: true, checked: total });
  });

  it('reports a tampered event (decisions edited, a hash edited in SQL) and a chain cut to nothing, for one subject and in the all-subjects stream', async () => {
    await ds.query(
      `UPDATE ${events} SET decisions_after = $1 WHERE subject_type = 'visitor' AND subject_id = 'sub-002' AND seq = 2`,
      [JSON.stringify({ necessary: true, preferences: true, analytics: false, marketing: false })],
    );
    await ds.query(
      `UPDATE ${events} SET hash = $1 WHERE subject_type = 'user' AND subject_id = 'sub-050' AND seq = 1`,
      ['0'.repeat(64)],
    );

    // A chain cut to nothing: its head claims three events, none is left.
    await ds.query(
      `INSERT INTO ${ds.getMetadata(ConsentHeadEntity).tablePath} (subject_type, subject_id, seq, hash, updated_at) VALUES ('visitor', 'ghost', 3, $1, now())`,
      ['f'.repeat(64)],
    );
    expect(
      (
        await http()
          .get('/admin/consent/verify?subjectType=visitor&subjectId=ghost')
          .set(...as(ADMIN))
          .expect(200)
      ).body,
    ).toMatchObject({ ok: false, checked: 0, brokenAt: 1 });

    const one = await http()
      .get('/admin/consent/verify?subjectType=visitor&subjectId=sub-002')
      .set(...as(ADMIN))
      .expect(200);
    expect(one.body).toEqual({ ok: false, checked: 2, brokenAt: 2, reason: expect.stringContaining('hash') });
    const other = await http()
      .get('/admin/consent/verify?subjectType=user&subjectId=sub-050')
      .set(...as(ADMIN))
      .expect(200);
    expect(other.body).toMatchObject({ ok: false, brokenAt: 1 });
    expect(
      (
        await http()
          .get('/admin/consent/verify?subjectType=visitor&subjectId=sub-001')
          .set(...as(ADMIN))
          .expect(200)
      ).body.ok,
    ).toBe(true);

    const res = await http()
      .get('/admin/consent/verify')
      .set(...as(ADMIN))
      .buffer(true)
      .parse(asText)
      .expect(200);
    const lines = parseNdjson(res.body as string);
    const broken = lines.flatMap((l) => ('chain' in l ? [l.chain] : []));
    expect(broken).toEqual([
      { subjectType: 'user', subjectId: 'sub-050', ok: false, brokenAt: 1, reason: expect.any(String) },
      { subjectType: 'visitor', subjectId: 'sub-002', ok: false, brokenAt: 2, reason: expect.any(String) },
      {
        subjectType: 'visitor',
        subjectId: 'ghost',
        ok: false,
        brokenAt: 1,
        reason: expect.stringContaining('truncated'),
      },
    ]);
    const done = lines[lines.length - 1] as { checked: number };
    expect(done).toMatchObject({ done: true, ok: false, subjects: SUBJECTS + 1, broken: 3 });
    // The server's own verification agrees with the stream (it also counts the empty chains of signed-in users without a decision).
    const report = await app.get(ConsentService).verify();
    expect(report).toMatchObject({ ok: false, broken: 3, checked: done.checked });
  });

  it('every verification is in the admin audit log', async () => {
    const res = await http()
      .get('/admin/audit?action=consent.verify&limit=500')
      .set(...as(ADMIN))
      .expect(200);
    const entries = res.body.items as AdminAuditView[];
    expect(entries.every((e) => e.actor.id === ADMIN.id)).toBe(true);
    expect(entries.filter((e) => e.target.type === 'consent-events').length).toBe(2);
    expect(entries.filter((e) => e.target.type === 'visitor' && e.target.id === 'sub-002').length).toBe(1);
    expect(entries.filter((e) => e.target.type === 'visitor' && e.target.id === 'sub-001').length).toBe(2);
  });
});
