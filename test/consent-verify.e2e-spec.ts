import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ConsentAuditService } from '../src/consent/consent-audit.service.js';
import { ConsentChainCheck } from '../src/consent/consent-chain.check.js';
import { ConsentCheckpointEntity } from '../src/consent/consent-checkpoint.entity.js';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { CONSENT_FORMAT_LEGACY } from '../src/consent/consent-format.js';
import { ConsentHeadEntity } from '../src/consent/consent-head.entity.js';
import { CONSENT_KEYS, type ConsentKeys } from '../src/consent/consent-keys.provider.js';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity.js';
import { ConsentService, type ConsentSubject } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { ConsentEventCategoryEntity } from '../src/consent/consent-event-category.entity.js';
import { DAY, JAN_1_2026, TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, MARIADB_URL, POSTGRES_URL, uniquePrefix } from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-consent-verify-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const ALL_GRANTED = '{"analytics":true,"marketing":true,"necessary":true,"preferences":true}';

/**
 * What verify() must catch, written as an attacker with write access to the database would do it: plain SQL
 * on the module's tables (the record the gate enforces, the subject columns, rows at or below a retention
 * fold, the category side table), never through the module.
 */
describe.each([
  ['PostgreSQL', POSTGRES_URL],
  ['MariaDB', MARIADB_URL],
  ['SQLite', `sqlite:${join(sqliteDir, 'verify.sqlite')}`],
])('verify() against an attacker with SQL access on %s', (_name, url) => {
  const prefix = uniquePrefix('cverify');
  const clock = new TestClock(JAN_1_2026);
  const site = { database: { url, tablePrefix: prefix } };
  let app: INestApplication;
  let ds: DataSource;
  let consent: ConsentService;

  const q = (name: string) => ds.driver.escape(`${prefix}${name}`);
  const col = (name: string) => ds.driver.escape(name);
  const whereSubject = (s: ConsentSubject) =>
    `${col('subject_type')} = '${s.type}' AND ${col('subject_id')} = '${s.id}'`;
  const visitor = (): ConsentSubject => ({ type: 'visitor', id: randomBytes(16).toString('base64url') });
  const user = (): ConsentSubject => ({ type: 'user', id: `u-${randomBytes(8).toString('hex')}` });

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: trackingOptions(site),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    consent = app.get(ConsentService);
  });

  afterAll(async () => {
    await app?.close();
    if (!url.startsWith('sqlite')) await dropPrefixedTables(url, prefix);
  });

  async function eventsOf(s: ConsentSubject): Promise<ConsentEventEntity[]> {
    return ds
      .getRepository(ConsentEventEntity)
      .find({ where: { subjectType: s.type, subjectId: s.id }, order: { seq: 'ASC' } });
  }

  /** Runs `attack`, expects verify to report the subject broken, then undoes it and expects the chain whole again. */
  /** The subject's verdict in the every-subject walk (keyset over the events, rows read by subject range). */
  async function walkVerdict(s: ConsentSubject) {
    const verdicts: Array<{ failure?: { seq: number; reason: string } } | undefined> = [];
    // The default step, and steps of 2 rows: subjects cut at a step's end, and subjects longer than a step.
    for (const rows of [undefined, 2]) {
      let found: { failure?: { seq: number; reason: string } } | undefined;
      for await (const batch of app.get(ConsentAuditService).verifyAll(rows))
        found ??= batch.find((v) => v.subject.subjectType === s.type && v.subject.subjectId === s.id);
      verdicts.push(found);
    }
    expect(verdicts[1]).toEqual(verdicts[0]);
    return verdicts[0];
  }

  /** Runs `attack`, expects verify to report the subject broken (alone and in the every-subject walk), then undoes it and expects the chain whole again. */
  async function caught(
    s: ConsentSubject,
    attack: () => Promise<unknown>,
    undo: () => Promise<unknown>,
    reason: RegExp,
  ): Promise<void> {
    await attack();
    const report = await consent.verify(s);
    expect(report).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    expect((await walkVerdict(s))?.failure).toEqual({ seq: report.brokenAt, reason: report.reason });
    await undo();
    expect(await consent.verify(s)).toMatchObject({ ok: true });
    const whole = await walkVerdict(s);
    expect(whole).toBeDefined();
    expect(whole?.failure).toBeUndefined();
  }

  it('reports no break for decisions committed while it reads (one snapshot per batch)', async () => {
    const subjects = Array.from({ length: 40 }, visitor);
    for (const s of subjects) await consent.recordFor(s, { analytics: false });
    let writing = true;
    const writes = (async () => {
      for (let round = 0; writing && round < 200; round++) {
        await Promise.all(subjects.map((s, i) => consent.recordFor(s, { analytics: (round + i) % 2 === 0 })));
      }
    })();
    const reports = [];
    try {
      for (let i = 0; i < 15; i++) reports.push(await consent.verify());
    } finally {
      writing = false;
      await writes;
    }
    expect(reports.filter((r) => !r.ok).map((r) => r.reason)).toEqual([]);
  });

  it("verifies a chain longer than a step whole at every step size, and catches an edit in its last event, past the first step's rows", async () => {
    const s = visitor();
    const neighbour = visitor();
    await consent.recordFor(neighbour, { analytics: true });
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await consent.recordFor(s, { analytics: i % 2 === 0, marketing: i % 3 === 0 });
    }
    const verdicts = async () => {
      const found: Array<{ rows: number | undefined; failure?: { seq: number; reason: string }; seen: boolean }> = [];
      for (const rows of [undefined, 2, 3, 4, 6]) {
        let verdict: { failure?: { seq: number; reason: string } } | undefined;
        let neighbourOk = false;
        for await (const batch of app.get(ConsentAuditService).verifyAll(rows)) {
          verdict ??= batch.find((v) => v.subject.subjectId === s.id);
          neighbourOk ||= batch.some((v) => v.subject.subjectId === neighbour.id && !v.failure);
        }
        expect(neighbourOk).toBe(true);
        found.push({ rows, failure: verdict?.failure, seen: verdict !== undefined });
      }
      return found;
    };
    expect((await verdicts()).filter((v) => !v.seen || v.failure)).toEqual([]);
    const last = (await eventsOf(s))[4];
    const table = q('consent_events');
    await ds.query(`UPDATE ${table} SET ${col('policy_version')} = 'forged' WHERE ${col('id')} = ${last.id}`);
    try {
      expect((await verdicts()).map((v) => v.failure)).toEqual(
        Array(5).fill({ seq: 5, reason: expect.stringMatching(/hash does not match/) }),
      );
    } finally {
      await ds.query(
        `UPDATE ${table} SET ${col('policy_version')} = '${last.policyVersion}' WHERE ${col('id')} = ${last.id}`,
      );
    }
    expect((await verdicts()).filter((v) => !v.seen || v.failure)).toEqual([]);
  });

  describe('the current decision (consent_records) against the chain', () => {
    it('catches a record set to "all granted" after a withdrawal, although the gate would enforce it', async () => {
      const s = user();
      clock.advance(1000);
      await consent.recordFor(s, { preferences: true, analytics: true, marketing: true });
      clock.advance(1000);
      await consent.withdrawFor(s);
      expect(await consent.verify(s)).toMatchObject({ ok: true, checked: 2 });
      const [{ d: withdrawn }] = await ds.query(
        `SELECT ${col('decisions')} AS d FROM ${q('consent_records')} WHERE ${whereSubject(s)}`,
      );

      await ds.query(
        `UPDATE ${q('consent_records')} SET ${col('decisions')} = '${ALL_GRANTED}' WHERE ${whereSubject(s)}`,
      );
      // What the attack buys: the record is what a signed-in user's gate and the admin read.
      expect((await consent.getStateOf(s)).decisions).toMatchObject({ analytics: true, marketing: true });
      expect(await consent.verify(s)).toMatchObject({
        ok: false,
        brokenAt: 2,
        reason: expect.stringMatching(/record/),
      });
      expect(await consent.verify()).toMatchObject({ ok: false });
      await ds.query(
        `UPDATE ${q('consent_records')} SET ${col('decisions')} = '${withdrawn}' WHERE ${whereSubject(s)}`,
      );
      expect(await consent.verify(s)).toMatchObject({ ok: true, checked: 2 });
    });

    it('catches the other fields the gate reads: policy version, source (GPC), and a deleted record', async () => {
      const s = visitor();
      clock.advance(1000);
      await consent.recordFor(s, { analytics: true }, { source: 'banner' });
      const table = q('consent_records');
      await caught(
        s,
        () => ds.query(`UPDATE ${table} SET ${col('policy_version')} = '0' WHERE ${whereSubject(s)}`),
        () => ds.query(`UPDATE ${table} SET ${col('policy_version')} = '1' WHERE ${whereSubject(s)}`),
        /record/,
      );
      await caught(
        s,
        () => ds.query(`UPDATE ${table} SET ${col('source')} = 'gpc' WHERE ${whereSubject(s)}`),
        () => ds.query(`UPDATE ${table} SET ${col('source')} = 'banner' WHERE ${whereSubject(s)}`),
        /record/,
      );
      const [row] = await ds.query(`SELECT ${col('id')} AS id FROM ${table} WHERE ${whereSubject(s)}`);
      const saved = await ds.getRepository(ConsentRecordEntity).findOneByOrFail({ id: row.id });
      await caught(
        s,
        () => ds.query(`DELETE FROM ${table} WHERE ${whereSubject(s)}`),
        () => ds.getRepository(ConsentRecordEntity).insert(saved),
        /record/,
      );
    });

    it('catches a record inserted for a subject that has no chain at all', async () => {
      const s = user();
      const donor = visitor();
      clock.advance(1000);
      await consent.recordFor(donor, { analytics: true, marketing: true });
      const before = await consent.verify();
      await ds.query(
        `INSERT INTO ${q('consent_records')} (${['id', 'subject_type', 'subject_id', 'policy_version', 'policy_hash', 'decisions', 'source', 'gpc', 'decided_at', 'expires_at', 'linked_user_id', 'version'].map(col).join(', ')}) ` +
          `SELECT 'forged-${randomBytes(4).toString('hex')}', '${s.type}', '${s.id}', ${['policy_version', 'policy_hash', 'decisions', 'source', 'gpc', 'decided_at', 'expires_at'].map(col).join(', ')}, NULL, 1 ` +
          `FROM ${q('consent_records')} WHERE ${whereSubject(donor)}`,
      );
      try {
        expect((await consent.getStateOf(s)).decisions).toMatchObject({ analytics: true });
        // The every-subject verify walks the records too, not only the subjects that have events or a head.
        expect(await consent.verify()).toMatchObject({
          ok: false,
          subjects: before.subjects + 1,
          broken: before.broken + 1,
        });
        expect(await consent.verify(s)).toMatchObject({ ok: false, reason: expect.stringMatching(/record/) });
      } finally {
        await ds.query(`DELETE FROM ${q('consent_records')} WHERE ${whereSubject(s)}`);
      }
    });

    it('an erased subject has no record, and its chain still verifies', async () => {
      const s = user();
      clock.advance(1000);
      await consent.recordFor(s, { analytics: true });
      clock.advance(1000);
      await consent.withdrawFor(s);
      const { pseudonym } = await consent.eraseSubject(s);
      expect(await consent.verify({ type: 'user', id: pseudonym })).toMatchObject({ ok: true, checked: 3 });
    });
  });

  describe('the subject of a chain', () => {
    it("catches a visitor's chain (events, head, checkpoints, record) moved onto a user", async () => {
      const v = visitor();
      const u = user();
      for (const analytics of [false, true, true]) {
        clock.advance(1000);
        await consent.recordFor(v, { analytics, marketing: analytics });
      }
      await consent.checkpoint();
      expect(await consent.verify(v)).toMatchObject({ ok: true, checked: 3 });

      const move = (from: ConsentSubject, to: ConsentSubject) =>
        Promise.all(
          ['consent_events', 'consent_heads', 'consent_checkpoints', 'consent_records'].map((t) =>
            ds.query(
              `UPDATE ${q(t)} SET ${col('subject_type')} = '${to.type}', ${col('subject_id')} = '${to.id}' WHERE ${whereSubject(from)}`,
            ),
          ),
        );
      await move(v, u);
      expect((await eventsOf(u)).length).toBe(3);
      expect(await consent.verify(u)).toMatchObject({ ok: false, brokenAt: 1 });
      expect(await consent.verify()).toMatchObject({ ok: false });
      await move(u, v);
      expect(await consent.verify(v)).toMatchObject({ ok: true, checked: 3 });
    });

    it("catches another subject's retention fold copied onto a chain, which hid the chain's own events", async () => {
      const donor = visitor();
      const victim = visitor();
      for (let i = 0; i < 4; i++) {
        clock.advance(1000);
        await consent.recordFor(donor, { analytics: i % 2 === 0 });
      }
      clock.advance(400 * DAY);
      await consent.recordFor(donor, { analytics: false });
      await withRetention(() => undefined);
      for (const analytics of [true, false]) {
        clock.advance(1000);
        await consent.recordFor(victim, { analytics });
      }
      const [fold] = await ds.query(
        `SELECT ${col('seq')} AS seq, ${col('hash')} AS hash FROM ${q('consent_checkpoints')} WHERE ${whereSubject(donor)} AND ${col('kind')} = 'fold'`,
      );
      expect(Number(fold.seq)).toBe(4);
      const [head] = await ds.query(
        `SELECT ${col('seq')} AS seq, ${col('hash')} AS hash FROM ${q('consent_heads')} WHERE ${whereSubject(victim)}`,
      );
      const copyFold =
        `INSERT INTO ${q('consent_checkpoints')} (${['subject_type', 'subject_id', 'kind', 'seq', 'hash', 'events', 'created_at', 'mac'].map(col).join(', ')}) ` +
        `SELECT ${col('subject_type')}, '${victim.id}', ${col('kind')}, ${col('seq')}, ${col('hash')}, ${col('events')}, ${col('created_at')}, ${col('mac')} ` +
        `FROM ${q('consent_checkpoints')} WHERE ${whereSubject(donor)} AND ${col('kind')} = 'fold'`;
      // The victim's two events now sit "below the fold", and the head agrees with the donor's fold.
      await caught(
        victim,
        async () => {
          await ds.query(copyFold);
          await ds.query(
            `UPDATE ${q('consent_heads')} SET ${col('seq')} = ${fold.seq}, ${col('hash')} = '${fold.hash}' WHERE ${whereSubject(victim)}`,
          );
        },
        async () => {
          await ds.query(`DELETE FROM ${q('consent_checkpoints')} WHERE ${whereSubject(victim)}`);
          await ds.query(
            `UPDATE ${q('consent_heads')} SET ${col('seq')} = ${head.seq}, ${col('hash')} = '${head.hash}' WHERE ${whereSubject(victim)}`,
          );
        },
        /fold|checkpoint/,
      );
    });
  });

  /** Runs retention (365 days) from an app configured with it, then `then`. */
  async function withRetention<T>(then: () => T | Promise<T>): Promise<T> {
    const retaining = (
      await bootLibraryApp({
        options: trackingOptions({ ...site, consent: { retention: '365d' } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      await retaining.get(ConsentService).applyRetention();
      return await then();
    } finally {
      await retaining.close();
    }
  }

  describe('events at or below a retention fold', () => {
    let s: ConsentSubject;
    let kept: ConsentEventEntity[];

    beforeAll(async () => {
      s = visitor();
      for (const analytics of [true, false, true]) {
        clock.advance(1000);
        await consent.recordFor(s, { analytics });
      }
      clock.advance(400 * DAY);
      for (const analytics of [false, false]) {
        clock.advance(1000);
        await consent.recordFor(s, { analytics });
      }
      await withRetention(() => undefined);
      kept = await eventsOf(s);
      expect(kept.map((e) => e.seq)).toEqual([4, 5]);
      expect(await consent.verify(s)).toMatchObject({ ok: true, checked: 2 });
    });

    it.each([
      ['below the fold', 2],
      ['at the fold', 3],
    ])('catches an event inserted %s (a forged past grant)', async (_where, seq) => {
      const forged = {
        ...kept[0],
        id: undefined,
        seq,
        decisionsAfter: { necessary: true, preferences: false, analytics: true, marketing: true },
      };
      await caught(
        s,
        () => ds.getRepository(ConsentEventEntity).insert(forged),
        () => ds.query(`DELETE FROM ${q('consent_events')} WHERE ${whereSubject(s)} AND ${col('seq')} = ${seq}`),
        /fold|hash|missing/,
      );
    });

    it('catches an event below the fold that copies a genuine event of another chain', async () => {
      const other = visitor();
      clock.advance(1000);
      await consent.recordFor(other, { analytics: true, marketing: true });
      const [genuine] = await eventsOf(other);
      await caught(
        s,
        () =>
          ds
            .getRepository(ConsentEventEntity)
            .insert({ ...genuine, id: undefined, subjectType: s.type, subjectId: s.id }),
        () => ds.query(`DELETE FROM ${q('consent_events')} WHERE ${whereSubject(s)} AND ${col('seq')} = 1`),
        /fold|hash|missing/,
      );
    });
  });

  describe('the category side table', () => {
    let s: ConsentSubject;
    let event: ConsentEventEntity;
    const categories = () => ds.getRepository(ConsentEventCategoryEntity);

    beforeAll(async () => {
      s = visitor();
      clock.advance(1000);
      await consent.recordFor(s, { analytics: true, marketing: false });
      clock.advance(1000);
      await consent.withdrawFor(s);
      [, event] = await eventsOf(s);
      expect(await categories().countBy({ eventId: String(event.id) })).toBe(4);
    });

    it('catches an edited row (a withdrawal counted as a grant)', async () => {
      const where = { eventId: String(event.id), category: 'analytics' };
      await caught(
        s,
        () => categories().update(where, { grantedAfter: true }),
        () => categories().update(where, { grantedAfter: false }),
        /categor/,
      );
    });

    // The stats count a row by its action and time: both must be the event's (PostgreSQL's walk compares them in SQL).
    it("catches a row whose action or time is not the event's, and one whose grant before is nulled", async () => {
      const where = { eventId: String(event.id), category: 'analytics' };
      const row = await categories().findOneByOrFail(where);
      await caught(
        s,
        () => categories().update(where, { action: 'grant' }),
        () => categories().update(where, { action: row.action }),
        /category row 'analytics' does not match/,
      );
      await caught(
        s,
        () => categories().update(where, { createdAt: new Date(new Date(row.createdAt).getTime() + 1) }),
        () => categories().update(where, { createdAt: row.createdAt }),
        /category row 'analytics' does not match/,
      );
      await caught(
        s,
        () => categories().update(where, { grantedBefore: null }),
        () => categories().update(where, { grantedBefore: row.grantedBefore }),
        /category row 'analytics' does not match/,
      );
    });

    it('catches a deleted row', async () => {
      const row = await categories().findOneByOrFail({ eventId: String(event.id), category: 'marketing' });
      await caught(
        s,
        () => categories().delete({ eventId: String(event.id), category: 'marketing' }),
        () => categories().insert(row),
        /categor/,
      );
    });

    it('catches an added row', async () => {
      const row = {
        eventId: String(event.id),
        category: 'extra',
        action: event.action,
        createdAt: event.createdAt,
        grantedBefore: false,
        grantedAfter: true,
      };
      await caught(
        s,
        () => categories().insert(row),
        () => categories().delete({ eventId: String(event.id), category: 'extra' }),
        /categor/,
      );
    });

    it('catches rows that belong to no event (they count in the stats), in the every-subject verify', async () => {
      const base = await consent.verify();
      const row = {
        eventId: '987654321',
        category: 'analytics',
        action: 'grant',
        createdAt: event.createdAt,
        grantedBefore: null,
        grantedAfter: true,
      };
      await categories().insert(row);
      try {
        expect(await consent.verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/categor/) });
      } finally {
        await categories().delete({ eventId: '987654321' });
      }
      expect((await consent.verify()).ok).toBe(base.ok);
    });
  });
});

/**
 * Chains written before event format 2 (format 1: nothing in their hashes names the subject). They are made
 * here by writing decisions, then re-hashing them the format-1 way and dropping every checkpoint, which is what
 * a database from before the upgrade holds; a second app then boots on it as the upgraded module would.
 */
describe.each([
  ['PostgreSQL', POSTGRES_URL],
  ['MariaDB', MARIADB_URL],
  ['SQLite', `sqlite:${join(sqliteDir, 'legacy.sqlite')}`],
])('format-1 chains after the upgrade on %s', (_name, url) => {
  const prefix = uniquePrefix('clegacy');
  const clock = new TestClock(JAN_1_2026);
  const site = { database: { url, tablePrefix: prefix } };
  const apps: INestApplication[] = [];
  let ds: DataSource;
  let consent: ConsentService;
  const visitorOne: ConsentSubject = { type: 'visitor', id: 'legacy-visitor-1' };
  const userTwo: ConsentSubject = { type: 'user', id: 'legacy-user-2' };
  const userThree: ConsentSubject = { type: 'user', id: 'legacy-user-3' };
  const target: ConsentSubject = { type: 'user', id: 'legacy-target' };

  const where = (s: ConsentSubject) => ({ subjectType: s.type, subjectId: s.id });
  const events = (s: ConsentSubject) =>
    ds.getRepository(ConsentEventEntity).find({ where: where(s), order: { seq: 'ASC' } });
  const checkpoints = () => ds.getRepository(ConsentCheckpointEntity);
  const boot = async () => {
    const app = (
      await bootLibraryApp({
        options: trackingOptions(site),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    apps.push(app);
    return app;
  };

  /** Moves every row of a subject to another subject, as an attacker's UPDATEs would. */
  async function move(from: ConsentSubject, to: ConsentSubject): Promise<void> {
    for (const entity of [ConsentEventEntity, ConsentHeadEntity, ConsentCheckpointEntity, ConsentRecordEntity]) {
      await ds.getRepository<{ subjectType: string; subjectId: string }>(entity).update(where(from), where(to));
    }
  }

  beforeAll(async () => {
    const writer = await boot();
    ds = writer.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    consent = writer.get(ConsentService);
    const audit = writer.get(ConsentAuditService);
    for (const [s, steps] of [
      [visitorOne, [true, false, true]],
      [userTwo, [true, true]],
      [userThree, [false, true]],
    ] as const) {
      for (const analytics of steps) {
        clock.advance(1000);
        await consent.recordFor(s, { analytics, marketing: !analytics });
      }
      // The format-1 hashes these events would have had, chained again.
      let prev: string | null = null;
      for (const e of await events(s)) {
        const hash = audit.hashEvent({ ...e, prevHash: prev, format: CONSENT_FORMAT_LEGACY }, '');
        await ds
          .getRepository(ConsentEventEntity)
          .update({ id: e.id }, { hash, prevHash: prev, format: CONSENT_FORMAT_LEGACY });
        prev = hash;
      }
      await ds.getRepository(ConsentHeadEntity).update(where(s), { hash: prev });
    }
    await checkpoints().createQueryBuilder().delete().execute();
    // A head checkpoint the old version signed (format-1 MAC) keeps verifying.
    const [last] = (await events(visitorOne)).slice(-1);
    const cp = {
      ...where(visitorOne),
      kind: 'head' as const,
      seq: last.seq,
      hash: last.hash,
      events: 0,
      createdAt: new Date(clock.now()),
      format: CONSENT_FORMAT_LEGACY,
    };
    await checkpoints().insert({
      ...cp,
      mac: new ConsentChainCheck(writer.get<ConsentKeys>(CONSENT_KEYS)).checkpointMac(cp, '')!,
    });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    if (!url.startsWith('sqlite')) await dropPrefixedTables(url, prefix);
  });

  it('need an anchor, which the first boot after the upgrade writes; then they verify as format 1, and an edit still shows', async () => {
    expect(await consent.verify(visitorOne)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: expect.stringMatching(/no subject anchor/),
    });
    await boot();
    expect(await checkpoints().countBy({ kind: 'anchor' })).toBe(3);
    expect(await checkpoints().countBy({ kind: 'anchored' })).toBe(1);
    expect(await consent.verify()).toMatchObject({ ok: true, subjects: 3, checked: 7, broken: 0 });
    expect((await events(visitorOne)).map((e) => e.format)).toEqual([1, 1, 1]);
    // A later boot finds the marker and anchors nothing more.
    await boot();
    expect(await checkpoints().countBy({ kind: 'anchor' })).toBe(3);

    const [first] = await events(userTwo);
    await ds
      .getRepository(ConsentEventEntity)
      .update({ id: first.id }, { decisionsAfter: { ...first.decisionsAfter, marketing: true } });
    expect(await consent.verify(userTwo)).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: expect.stringMatching(/edited/),
    });
    await ds.getRepository(ConsentEventEntity).update({ id: first.id }, { decisionsAfter: first.decisionsAfter });
    expect(await consent.verify(userTwo)).toMatchObject({ ok: true, checked: 2 });
  });

  it('moved onto another subject: caught by the anchor, and by its absence when the anchor is dropped', async () => {
    await move(visitorOne, target);
    expect(await consent.verify(target)).toMatchObject({ ok: false, reason: expect.stringMatching(/anchor/) });
    const anchor = await checkpoints().findOneByOrFail({ ...where(target), kind: 'anchor' });
    await checkpoints().delete({ id: anchor.id });
    await checkpoints().delete({ ...where(target), kind: 'head' });
    expect(await consent.verify(target)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no subject anchor/),
    });
    await checkpoints().insert(anchor);
    await move(target, visitorOne);
    expect(await consent.verify(visitorOne)).toMatchObject({ ok: true, checked: 3 });
  });

  it('a format-1 retention fold of another chain, copied over an anchored chain to hide its events, is caught', async () => {
    const head = await ds.getRepository(ConsentHeadEntity).findOneByOrFail(where(visitorOne));
    const aside: ConsentSubject = { type: 'visitor', id: 'legacy-aside' };
    // A fold the old version signed for some other chain: format-1 MACs do not name the subject.
    const fold = {
      ...where(visitorOne),
      kind: 'fold' as const,
      seq: 10,
      hash: 'f'.repeat(64),
      events: 10,
      createdAt: new Date(clock.now()),
      format: CONSENT_FORMAT_LEGACY,
    };
    const keys = apps[0].get<ConsentKeys>(CONSENT_KEYS);
    await ds.getRepository(ConsentEventEntity).update(where(visitorOne), where(aside));
    await checkpoints().insert({ ...fold, mac: new ConsentChainCheck(keys).checkpointMac(fold, '')! });
    await ds.getRepository(ConsentHeadEntity).update(where(visitorOne), { seq: 10, hash: fold.hash });
    expect(await consent.verify(visitorOne)).toMatchObject({ ok: false, reason: expect.stringMatching(/anchor/) });
    await checkpoints().delete({ ...where(visitorOne), kind: 'fold' });
    await ds.getRepository(ConsentHeadEntity).update(where(visitorOne), { seq: head.seq, hash: head.hash });
    await ds.getRepository(ConsentEventEntity).update(where(aside), where(visitorOne));
    expect(await consent.verify(visitorOne)).toMatchObject({ ok: true, checked: 3 });
  });

  it('a format-2 event that extends a format-1 chain binds it; a deleted upgrade marker then anchors nothing at boot', async () => {
    clock.advance(1000);
    await consent.recordFor(userTwo, { analytics: false });
    expect((await events(userTwo)).map((e) => e.format)).toEqual([1, 1, 2]);
    expect(await consent.verify(userTwo)).toMatchObject({ ok: true, checked: 3 });
    await move(userTwo, target);
    expect(await consent.verify(target)).toMatchObject({ ok: false });
    await move(target, userTwo);

    // The attacker moves a format-1 chain, drops its anchor and the upgrade marker, and waits for a restart.
    await move(visitorOne, target);
    await checkpoints().delete({ ...where(target), kind: 'anchor' });
    await checkpoints().delete({ kind: 'anchored' });
    await boot();
    expect(await checkpoints().countBy({ ...where(target), kind: 'anchor' })).toBe(0);
    expect(await consent.verify(target)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no subject anchor/),
    });
    await move(target, visitorOne);
    // The operator re-anchors after putting it back (the documented escape hatch).
    expect(await consent.anchorLegacyChains()).toBe(1);
    expect(await consent.verify()).toMatchObject({ ok: true, broken: 0 });
  });

  it('erasure and retention of a format-1 chain keep it verifying', async () => {
    const { pseudonym } = await consent.eraseSubject(userThree);
    const erased: ConsentSubject = { type: 'user', id: pseudonym };
    expect((await events(erased)).map((e) => [e.format, e.action])).toEqual([
      [1, expect.any(String)],
      [1, expect.any(String)],
      [2, 'erase'],
    ]);
    expect(await consent.verify(erased)).toMatchObject({ ok: true, checked: 3 });

    const [newest] = (await events(visitorOne)).slice(-1);
    await ds
      .getRepository(ConsentEventEntity)
      .update({ id: newest.id }, { ip: '203.0.113.0', userAgent: 'test-agent/1' });
    clock.advance(400 * DAY);
    const retaining = (
      await bootLibraryApp({
        options: trackingOptions({ ...site, consent: { retention: '365d' } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      expect((await retaining.get(ConsentService).applyRetention()).events).toBeGreaterThan(0);
    } finally {
      await retaining.close();
    }
    // Each chain keeps its newest event, which its record (or erasure) rests on; the folds are format 2.
    expect((await events(erased)).map((e) => e.seq)).toEqual([3]);
    expect((await events(visitorOne)).map((e) => [e.seq, e.ip, e.userAgent])).toEqual([[3, null, null]]);
    expect((await checkpoints().findBy({ kind: 'fold' })).map((c) => c.format)).toEqual([2, 2, 2]);
    expect(await consent.verify()).toMatchObject({ ok: true, broken: 0 });
  });
});
