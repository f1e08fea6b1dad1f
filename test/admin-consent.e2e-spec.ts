import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AdminConsentEventsService } from '../src/admin/admin-consent-events.service.js';
import { ConsentEventPageQueryPipe } from '../src/admin/consent-event-page-query.pipe.js';
import { csvLine } from '../src/admin/consent-event.csv.js';
import type { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity.js';
import { CONSENT_EVENT_CSV_COLUMNS } from '../src/admin/consent-event.csv.js';
import type { ConsentEventView } from '../src/admin/consent-event.view.js';
import { dataSourceOf, insertEvents, parseCsv, type EventSpec, asText } from './support/admin.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  dropPrefixedTables,
  MARIADB_URL,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-admin-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const T0 = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;
const ACTIONS = ['grant', 'refuse', 'update', 'withdraw', 'link'];
const SOURCES = ['banner', 'settings', 'api', 'gpc'];
const NASTY_AGENTS = [
  '=HYPERLINK("http://evil.example")',
  '+1+2',
  '-3',
  '@SUM(A1)',
  '\tcmd',
  '\rcmd',
  'a,"b"\r\nc',
  'plain',
  'x;=1+1;',
  '-Xk3_-9aZ',
  'Mozilla/5.0 (X11; Linux x86_64)',
];

/** 300 events over 25 subjects and 10 days, three per millisecond so the id breaks ties. */
function fixtures(): EventSpec[] {
  return Array.from({ length: 300 }, (_, i) => ({
    subjectType: i % 25 < 5 ? 'user' : 'visitor',
    // One visitor ID begins with '-' (one random base64url ID in 64 does): the CSV must keep it as it is.
    subjectId: i % 25 === 24 ? '-v24' : `s${i % 25}`,
    action: ACTIONS[i % ACTIONS.length],
    source: SOURCES[i % SOURCES.length],
    before: i % 7 === 0 ? { necessary: true, preferences: true } : null,
    after: { necessary: true, analytics: i % 2 === 0, marketing: i % 3 === 0 },
    at: new Date(T0 + Math.floor(i / 3) * Math.floor((10 * DAY) / 100)),
    userAgent: NASTY_AGENTS[i % NASTY_AGENTS.length],
  }));
}

const key = (e: { createdAt: Date | string; id: string }) => [new Date(e.createdAt).getTime(), BigInt(e.id)] as const;
function byKeyDesc(a: ConsentEventEntity, b: ConsentEventEntity): number {
  const [ta, ia] = key(a);
  const [tb, ib] = key(b);
  return tb - ta || (ib > ia ? 1 : ib < ia ? -1 : 0);
}

describe.each([
  ['PostgreSQL', () => POSTGRES_URL],
  ['SQLite', () => `sqlite:${join(sqliteDir, 'admin.sqlite')}`],
  ['MariaDB', () => MARIADB_URL],
])('admin consent review on %s', (_db, url) => {
  const prefix = uniquePrefix('admc');
  let app: INestApplication;
  let ds: DataSource;
  let events: AdminConsentEventsService;
  let all: ConsentEventEntity[];
  const pipe = new ConsentEventPageQueryPipe();
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: fastArgon2({
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: url(), tablePrefix: prefix },
          session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
        }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
    ds = dataSourceOf(app);
    events = app.get(AdminConsentEventsService);
    all = await insertEvents(ds, fixtures());
  });

  afterAll(async () => {
    await app?.close();
    if (!url().startsWith('sqlite')) await dropPrefixedTables(url(), prefix);
  });

  async function everyPage(query: Record<string, string>): Promise<ConsentEventView[]> {
    const out: ConsentEventView[] = [];
    let cursor: string | undefined;
    do {
      const page = await events.page(pipe.transform({ ...query, ...(cursor ? { cursor } : {}) }));
      out.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  const involves = (e: ConsentEventEntity, c: string) => c in (e.decisionsBefore ?? {}) || c in e.decisionsAfter;

  it.each<[string, Record<string, string>, (e: ConsentEventEntity) => boolean]>([
    ['no filter', {}, () => true],
    ['one subject', { subjectType: 'user', subjectId: 's3' }, (e) => e.subjectType === 'user' && e.subjectId === 's3'],
    ['a subject type', { subjectType: 'visitor' }, (e) => e.subjectType === 'visitor'],
    ['a category named only before', { category: 'preferences' }, (e) => involves(e, 'preferences')],
    ['a category', { category: 'marketing' }, (e) => involves(e, 'marketing')],
    ['an unknown category', { category: 'nope' }, () => false],
    ['an action', { action: 'withdraw' }, (e) => e.action === 'withdraw'],
    ['a source', { source: 'gpc' }, (e) => e.source === 'gpc'],
    [
      'a date range',
      { from: new Date(T0 + 2 * DAY).toISOString(), to: new Date(T0 + 5 * DAY).toISOString() },
      (e) => e.createdAt.getTime() >= T0 + 2 * DAY && e.createdAt.getTime() < T0 + 5 * DAY,
    ],
    [
      'category, action and a date together',
      { category: 'preferences', action: 'grant', from: '2025-01-03' },
      (e) => involves(e, 'preferences') && e.action === 'grant' && e.createdAt.getTime() >= T0 + 2 * DAY,
    ],
  ])('lists %s in keyset pages, newest first, exactly as filtered', async (_name, query, match) => {
    const expected = all
      .filter(match)
      .sort(byKeyDesc)
      .map((e) => String(e.id));
    const got = await everyPage({ ...query, limit: '13' });
    expect(got.map((e) => e.id)).toEqual(expected);
    const asc = await everyPage({ ...query, limit: '500', order: 'asc' });
    expect(asc.map((e) => e.id)).toEqual([...expected].reverse());
  });

  it('pages without overlap or gaps while events are inserted concurrently', async () => {
    const before = new Set(all.map((e) => String(e.id)));
    const seen: ConsentEventView[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const late = new Date(T0 + 20 * DAY + round * 1000);
      // Newer events, and one back-dated into the part not read yet, race with the page read.
      const [page] = await Promise.all([
        events.page(pipe.transform({ limit: '17', ...(cursor ? { cursor } : {}) })),
        insertEvents(ds, [
          { subjectId: `new${round}`, after: { necessary: true }, at: late },
          { subjectId: `new${round}`, after: { necessary: true }, at: late },
          { subjectId: `old${round}`, after: { necessary: true }, at: new Date(T0 - DAY) },
        ]),
      ]);
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      round++;
    } while (cursor);
    const ids = seen.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of before) expect(ids).toContain(id);
    for (let i = 1; i < seen.length; i++) {
      const [ta, ia] = key(seen[i - 1]);
      const [tb, ib] = key(seen[i]);
      expect(ta > tb || (ta === tb && ia > ib)).toBe(true);
    }
    all = (await ds.getRepository('ConsentEventEntity').find()) as ConsentEventEntity[];
  });

  it('rejects a tampered cursor and a cursor replayed with other filters (400)', async () => {
    const first = await http()
      .get('/admin/consent/events?action=grant&limit=5')
      .set(...as(ADMIN))
      .expect(200);
    const cursor: string = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    await http()
      .get(`/admin/consent/events?action=grant&limit=5&cursor=${cursor}`)
      .set(...as(ADMIN))
      .expect(200);
    const flipped = cursor.slice(0, 3) + (cursor[3] === 'A' ? 'B' : 'A') + cursor.slice(4);
    for (const bad of [flipped, `${cursor}x`, cursor.split('.')[0]]) {
      const res = await http()
        .get(`/admin/consent/events?action=grant&limit=5&cursor=${bad}`)
        .set(...as(ADMIN))
        .expect(400);
      expect(res.body.message).toMatch(/cursor/);
    }
    const other = await http()
      .get(`/admin/consent/events?action=refuse&limit=5&cursor=${cursor}`)
      .set(...as(ADMIN))
      .expect(400);
    expect(other.body.message).toMatch(/same filters/);
    await http()
      .get(`/admin/consent/events?action=grant&order=asc&limit=5&cursor=${cursor}`)
      .set(...as(ADMIN))
      .expect(400);
  });

  it('exports CSV that parses back to every event, with formulas neutralised', async () => {
    const res = await http()
      .get('/admin/consent/events/export?format=csv')
      .set(...as(ADMIN))
      .buffer(true)
      .parse(asText)
      .expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="consent-events-.*\.csv"$/);
    const [header, ...rows] = parseCsv(res.body as string);
    expect(header).toEqual([...CONSENT_EVENT_CSV_COLUMNS]);
    expect(rows).toHaveLength(all.length);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(all.map((e) => String(e.id))));
    const ua = header.indexOf('user_agent');
    const agents = new Set(rows.map((r) => r[ua]));
    for (const nasty of ['=HYPERLINK("http://evil.example")', '+1+2', '@SUM(A1)', '\tcmd', '\rcmd']) {
      expect(agents).toContain(`'${nasty}`);
      expect(agents).not.toContain(nasty);
    }
    // A number or an identifier that begins with '-' is not altered; a formula after a ';' is defused.
    expect(agents).toContain('-3');
    expect(agents).toContain('-Xk3_-9aZ');
    expect(new Set(rows.map((r) => r[header.indexOf('subject_id')]))).toContain('-v24');
    expect(agents).toContain("x;'=1+1;");
    expect(agents).toContain('a,"b"\r\nc');
    expect(agents).toContain('Mozilla/5.0 (X11; Linux x86_64)');
    for (const row of rows) {
      expect(row).toHaveLength(CONSENT_EVENT_CSV_COLUMNS.length);
      for (const cell of row) expect(cell).not.toMatch(/^[=@\t\r]|^[+-](?![\w.-]*$)/);
    }
    // Read as Excel does where ';' is the list separator: every ';' starts a cell, whatever the quotes.
    const afterSemicolons = (res.body as string).split(/\r\n|[\r\n]/).flatMap((line) => line.split(';').slice(1));
    expect(afterSemicolons.length).toBeGreaterThan(0);
    for (const cell of afterSemicolons) expect(cell).not.toMatch(/^"*[=+\-@]/);
    const byId = new Map(all.map((e) => [String(e.id), e]));
    const row = rows[0];
    const source = byId.get(row[0])!;
    expect(JSON.parse(row[header.indexOf('decisions_after')])).toEqual(source.decisionsAfter);
    expect(row[header.indexOf('created_at')]).toBe(source.createdAt.toISOString());
  });

  it.each(['csv', 'ndjson'])('reports the rows a %s export wrote in the X-Export-Rows trailer', async (format) => {
    const server = app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const [name, value] = as(ADMIN);
    const answer = (path: string) =>
      new Promise<{ body: string; headers: IncomingHttpHeaders; trailers: NodeJS.Dict<string> }>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path, headers: { [name]: value } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ body, headers: res.headers, trailers: res.trailers }));
          res.on('error', reject);
        }).on('error', reject);
      });
    const every = await answer(`/admin/consent/events/export?format=${format}`);
    expect(every.headers.trailer).toBe('X-Export-Rows');
    expect(every.trailers['x-export-rows']).toBe(String(all.length));
    // CSV cells may hold line breaks: count parsed rows (less the header), NDJSON lines.
    expect(format === 'csv' ? parseCsv(every.body).length - 1 : every.body.split('\n').length - 1).toBe(all.length);
    const some = await answer(`/admin/consent/events/export?format=${format}&category=preferences`);
    expect(some.trailers['x-export-rows']).toBe(String(all.filter((e) => involves(e, 'preferences')).length));
    const none = await answer(`/admin/consent/events/export?format=${format}&from=2030-01-01T00:00:00.000Z`);
    expect(none.trailers['x-export-rows']).toBe('0');
  });

  it('exports NDJSON, one parsable event per line, filtered like the list', async () => {
    const res = await http()
      .get('/admin/consent/events/export?format=ndjson&category=preferences')
      .set(...as(ADMIN))
      .buffer(true)
      .parse(asText)
      .expect(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = (res.body as string).split('\n');
    expect(lines.pop()).toBe('');
    const parsed = lines.map((l) => JSON.parse(l) as ConsentEventView);
    const expected = all.filter((e) => involves(e, 'preferences'));
    expect(parsed).toHaveLength(expected.length);
    expect(new Set(parsed.map((e) => e.id))).toEqual(new Set(expected.map((e) => String(e.id))));
    // Chronological by default.
    for (let i = 1; i < parsed.length; i++) expect(parsed[i - 1].createdAt <= parsed[i].createdAt).toBe(true);
  });

  it('walks an export in keyset batches without overlap', async () => {
    const ids: string[] = [];
    for await (const batch of events.batches({}, 'asc', 7)) {
      expect(batch.length).toBeLessThanOrEqual(7);
      ids.push(...batch.map((e) => e.id));
    }
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids).size).toBe(all.length);
  });

  // What the export writes (on PostgreSQL each row encoded as it is parsed): the same lines as the batches of views, in order.
  it('encodes an export batch by batch, chunk by chunk, into exactly the lines of the batches of events', async () => {
    for (const [filters, order] of [
      [{}, 'asc'],
      [{}, 'desc'],
      [{ category: 'analytics' }, 'asc'],
    ] as const) {
      const expected: string[] = [];
      for await (const batch of events.batches(filters, order, 7)) expected.push(...batch.map(csvLine));
      let text = '';
      let rows = 0;
      for await (const batch of events.encodedBatches(filters, order, csvLine, 3, 7)) {
        expect(batch.rows).toBeLessThanOrEqual(7);
        expect(batch.chunks.length).toBe(Math.ceil(batch.rows / 3));
        rows += batch.rows;
        text += batch.chunks.join('');
      }
      expect(expected.length).toBeGreaterThan(7);
      expect(rows).toBe(expected.length);
      expect(text).toBe(expected.join(''));
    }
  });

  it('an export left after its first batch, or whose encoding fails mid-batch, holds no connection', async () => {
    // PostgreSQL's pool (the rows stream from a connection taken for each batch); the others read through TypeORM as the pages do.
    const pool = (ds.driver as unknown as { master?: { totalCount: number; idleCount: number } }).master;
    const checkedOut = () => (pool && typeof pool.totalCount === 'number' ? pool.totalCount - pool.idleCount : 0);
    let batches = 0;
    for await (const batch of events.encodedBatches({}, 'asc', csvLine, 3, 7)) {
      expect(batch.rows).toBe(7);
      if (++batches === 1) break;
    }
    expect(checkedOut()).toBe(0);
    let encoded = 0;
    const failing = (e: ConsentEventView) => {
      if (++encoded === 10) throw new Error('encoding failed');
      return csvLine(e);
    };
    await expect(
      (async () => {
        for await (const batch of events.encodedBatches({}, 'asc', failing, 3, 7)) void batch;
      })(),
    ).rejects.toThrow();
    expect(encoded).toBeLessThan(15);
    expect(checkedOut()).toBe(0);
  });

  it('computes stats that agree with the events', async () => {
    const from = new Date(T0 + DAY);
    const to = new Date(T0 + 8 * DAY);
    const res = await http()
      .get(`/admin/consent/stats?from=${from.toISOString()}&to=${to.toISOString()}`)
      .set(...as(ADMIN))
      .expect(200);
    const inRange = all.filter(
      (e) => ['grant', 'refuse', 'update', 'withdraw'].includes(e.action) && e.createdAt >= from && e.createdAt < to,
    );
    const expected: Record<string, { granted: number; refused: number }> = {};
    const days: Record<string, number> = {};
    for (const e of inRange) {
      const day = e.createdAt.toISOString().slice(0, 10);
      days[day] = (days[day] ?? 0) + 1;
      for (const [cat, granted] of Object.entries(e.decisionsAfter)) {
        expected[cat] ??= { granted: 0, refused: 0 };
        expected[cat][granted ? 'granted' : 'refused']++;
      }
    }
    expect(res.body.decisions).toBe(inRange.length);
    expect(inRange.length).toBeGreaterThan(50);
    for (const [cat, s] of Object.entries(expected)) {
      expect(res.body.byCategory[cat]).toEqual({
        ...s,
        rate: Math.round((s.granted / (s.granted + s.refused)) * 10_000) / 10_000,
      });
    }
    expect(Object.keys(res.body.byCategory).sort()).toEqual(Object.keys(expected).sort());
    expect(res.body.byDay.map((d: { day: string; decisions: number }) => [d.day, d.decisions])).toEqual(
      Object.entries(days).sort(),
    );
    // Decisions per day by action: every decision action present, summing to the day's decisions.
    for (const d of res.body.byDay as Array<{ day: string; decisions: number; byAction: Record<string, number> }>) {
      const ofDay = inRange.filter((e) => e.createdAt.toISOString().slice(0, 10) === d.day);
      expect(d.byAction).toEqual(
        Object.fromEntries(
          ['grant', 'refuse', 'update', 'withdraw'].map((a) => [a, ofDay.filter((e) => e.action === a).length]),
        ),
      );
    }
    const sumAnalytics = res.body.byDay.reduce(
      (n: number, d: { byCategory: Record<string, { granted: number }> }) => n + (d.byCategory.analytics?.granted ?? 0),
      0,
    );
    expect(sumAnalytics).toBe(expected.analytics.granted);
  });

  it('shows a subject: its record, history summary and linked visitors; 404 for nobody', async () => {
    const now = new Date();
    await ds.getRepository(ConsentRecordEntity).insert([
      {
        id: '11111111-1111-4111-8111-111111111111',
        subjectType: 'user',
        subjectId: 's1',
        policyVersion: '1',
        policyHash: 'p'.repeat(64),
        decisions: { necessary: true, analytics: true },
        source: 'settings',
        gpc: false,
        decidedAt: now,
        expiresAt: new Date(now.getTime() + DAY),
        linkedUserId: null,
        version: 1,
      },
      {
        id: '22222222-2222-4222-8222-222222222222',
        subjectType: 'visitor',
        subjectId: 's7',
        policyVersion: '1',
        policyHash: 'p'.repeat(64),
        decisions: { necessary: true },
        source: 'banner',
        gpc: true,
        decidedAt: now,
        expiresAt: new Date(now.getTime() - 1),
        linkedUserId: 's1',
        version: 3,
      },
    ]);
    const user = await http()
      .get('/admin/consent/subjects/user/s1')
      .set(...as(ADMIN))
      .expect(200);
    const own = all.filter((e) => e.subjectType === 'user' && e.subjectId === 's1').sort((a, b) => a.seq - b.seq);
    expect(user.body).toMatchObject({
      subjectType: 'user',
      subjectId: 's1',
      record: { decisions: { necessary: true, analytics: true }, source: 'settings', expired: false, version: 1 },
      history: {
        events: own.length,
        lastAction: own[own.length - 1].action,
        lastEventAt: own[own.length - 1].createdAt.toISOString(),
        firstEventAt: own[0].createdAt.toISOString(),
      },
      linkedVisitors: ['s7'],
    });
    const visitor = await http()
      .get('/admin/consent/subjects/visitor/s7')
      .set(...as(ADMIN))
      .expect(200);
    expect(visitor.body.record).toMatchObject({ gpc: true, expired: true, linkedUserId: 's1' });
    const eventsOnly = await http()
      .get('/admin/consent/subjects/visitor/s9')
      .set(...as(ADMIN))
      .expect(200);
    expect(eventsOnly.body.record).toBeNull();
    await http()
      .get('/admin/consent/subjects/user/s9')
      .set(...as(ADMIN))
      .expect(404);
  });

  it('writes subject reads, first pages and exports to the audit log, listed newest first in pages', async () => {
    await http()
      .get('/admin/consent/subjects/visitor/s8')
      .set(...as(ADMIN))
      .expect(200);
    const page = await http()
      .get('/admin/consent/events?subjectType=visitor&subjectId=s8&limit=2')
      .set(...as(ADMIN))
      .expect(200);
    await http()
      .get(`/admin/consent/events?subjectType=visitor&subjectId=s8&limit=2&cursor=${page.body.nextCursor}`)
      .set(...as(ADMIN))
      .expect(200);
    const entries = await http()
      .get('/admin/audit?targetType=visitor&targetId=s8')
      .set(...as(ADMIN))
      .expect(200);
    expect(entries.body.items.map((e: { action: string }) => e.action)).toEqual([
      'consent.events.read',
      'consent.subject.read',
    ]);
    expect(entries.body.items[0]).toMatchObject({
      actor: { id: ADMIN.id, username: ADMIN.username },
      target: { type: 'visitor', id: 's8' },
      details: { subjectType: 'visitor', subjectId: 's8', order: 'desc' },
      at: expect.any(String),
    });

    const everything = await http()
      .get('/admin/audit?limit=500')
      .set(...as(ADMIN))
      .expect(200);
    expect(everything.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['consent.events.export']),
    );
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http()
        .get(`/admin/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        .set(...as(ADMIN))
        .expect(200);
      walked.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(everything.body.items.map((e: { id: string }) => e.id));
    await http()
      .get(
        `/admin/audit?limit=3&actorId=x&cursor=${
          (
            await http()
              .get('/admin/audit?limit=3')
              .set(...as(ADMIN))
          ).body.nextCursor
        }`,
      )
      .set(...as(ADMIN))
      .expect(400);
  });
});
