import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentVisitorCookie } from '../src/consent/consent-visitor.cookie.js';
import { ConsentService, type ConsentSubject } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { DAY, JAN_1_2026, TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, MARIADB_URL, POSTGRES_URL, uniquePrefix } from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-consent-audit-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

describe.each([
  ['PostgreSQL', POSTGRES_URL, 2, 200],
  ['MariaDB', MARIADB_URL, 2, 60],
  ['SQLite', `sqlite:${join(sqliteDir, 'audit.sqlite')}`, 1, 60],
])('the consent audit chain on %s', (_name, url, instances, writes) => {
  const prefix = uniquePrefix('caudit');
  const clock = new TestClock(JAN_1_2026);
  const apps: INestApplication[] = [];
  let ds: DataSource;
  let consent: ConsentService;

  const q = (name: string) => ds.driver.escape(`${prefix}${name}`);
  const col = (name: string) => ds.driver.escape(name);

  beforeAll(async () => {
    const site = { database: { url, tablePrefix: prefix } };
    // Hundreds of anonymous writes from one address: the per-address limit is not what is tested here.
    for (let i = 0; i < instances; i++) {
      const { app } = await bootLibraryApp({
        options: trackingOptions({ ...site, consent: { anonymousWriteLimit: false } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      });
      apps.push(app);
    }
    ds = apps[0].get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    consent = apps[0].get(ConsentService);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    if (!url.startsWith('sqlite')) await dropPrefixedTables(url, prefix);
  });

  /** A visitor cookie for a fresh visitor ID with no decision yet, so every PUT below is concurrent. */
  function mintVisitor(): { subject: ConsentSubject; cookie: string } {
    const cookies = apps[0].get(ConsentVisitorCookie);
    const id = cookies.newVisitorId();
    const value = cookies.encode(id, { v: '0', d: {}, at: 0, exp: 0, gpc: false, sub: `visitor:${id}` });
    return { subject: { type: 'visitor', id }, cookie: `${cookies.name}=${value}` };
  }

  async function seqs(subject: ConsentSubject): Promise<number[]> {
    const rows = await ds.query(
      `SELECT ${col('seq')} AS seq FROM ${q('consent_events')} WHERE ${col('subject_id')} = '${subject.id}' ORDER BY ${col('seq')}`,
    );
    return rows.map((r: { seq: number | string }) => Number(r.seq));
  }

  it(`serialises ${writes} concurrent PUTs on one subject${instances > 1 ? ` across ${instances} app instances` : ''} into one linear chain`, async () => {
    const { subject, cookie } = mintVisitor();
    const started = Date.now();
    const responses = await Promise.all(
      Array.from({ length: writes }, (_, i) =>
        request(apps[i % apps.length].getHttpServer())
          .put('/consent')
          .set('Cookie', cookie)
          .send({ decisions: { analytics: i % 2 === 0, marketing: i % 3 === 0 }, policyVersion: '1' }),
      ),
    );
    const elapsed = Date.now() - started;
    expect(responses.map((r) => r.status)).toEqual(new Array(writes).fill(200));
    expect(await seqs(subject)).toEqual(Array.from({ length: writes }, (_, i) => i + 1));
    expect(await consent.verify(subject)).toMatchObject({ ok: true, checked: writes });
    process.stdout.write(`[consent-audit] ${_name}: ${writes} concurrent PUTs on one subject in ${elapsed} ms\n`);
  });

  it('detects an event edited in SQL, one deleted from the middle, and a truncated tail', async () => {
    const { subject, cookie } = mintVisitor();
    const server = apps[0].getHttpServer();
    for (let i = 0; i < 8; i++)
      await request(server)
        .put('/consent')
        .set('Cookie', cookie)
        .send({ decisions: { analytics: i % 2 === 0 }, policyVersion: '1' })
        .expect(200);
    expect(await consent.verify(subject)).toMatchObject({ ok: true, checked: 8 });
    const where = `${col('subject_id')} = '${subject.id}'`;

    // Edit: turn a refusal into a grant.
    const [orig] = await ds.query(
      `SELECT ${col('decisions_after')} AS d FROM ${q('consent_events')} WHERE ${where} AND ${col('seq')} = 4`,
    );
    await ds.query(
      `UPDATE ${q('consent_events')} SET ${col('decisions_after')} = '{"necessary":true,"preferences":false,"analytics":true,"marketing":false}' WHERE ${where} AND ${col('seq')} = 4`,
    );
    expect(await consent.verify(subject)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/edited/),
    });
    expect(await consent.verify()).toMatchObject({ ok: false, subjectId: subject.id, brokenAt: 4 });
    await ds.query(
      `UPDATE ${q('consent_events')} SET ${col('decisions_after')} = '${orig.d}' WHERE ${where} AND ${col('seq')} = 4`,
    );
    expect((await consent.verify(subject)).ok).toBe(true);

    // Delete from the middle.
    await ds.query(`DELETE FROM ${q('consent_events')} WHERE ${where} AND ${col('seq')} = 6`);
    expect(await consent.verify(subject)).toMatchObject({
      ok: false,
      brokenAt: 6,
      reason: expect.stringMatching(/missing/),
    });

    // Tail truncation on a fresh chain: the head row is ahead; and with the head rolled back too, the signed checkpoint is.
    const other = mintVisitor();
    for (let i = 0; i < 4; i++)
      await request(server)
        .put('/consent')
        .set('Cookie', other.cookie)
        .send({ choice: 'accept-all', policyVersion: '1' })
        .expect(200);
    await consent.checkpoint();
    const whereOther = `${col('subject_id')} = '${other.subject.id}'`;
    const [third] = await ds.query(
      `SELECT ${col('hash')} AS h FROM ${q('consent_events')} WHERE ${whereOther} AND ${col('seq')} = 3`,
    );
    await ds.query(`DELETE FROM ${q('consent_events')} WHERE ${whereOther} AND ${col('seq')} = 4`);
    expect(await consent.verify(other.subject)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/tail truncated/),
    });
    await ds.query(
      `UPDATE ${q('consent_heads')} SET ${col('seq')} = 3, ${col('hash')} = '${third.h}' WHERE ${whereOther}`,
    );
    expect(await consent.verify(other.subject)).toMatchObject({
      ok: false,
      brokenAt: 4,
      reason: expect.stringMatching(/signed checkpoint/),
    });
  });

  it('erasing a subject pseudonymises it, drops IP and user agent, and the chain still verifies', async () => {
    const { subject, cookie } = mintVisitor();
    const server = apps[0].getHttpServer();
    for (const choice of ['accept-all', 'reject-all', 'accept-all']) {
      await request(server)
        .put('/consent')
        .set('Cookie', cookie)
        .set('User-Agent', 'test-agent/1')
        .send({ choice, policyVersion: '1' })
        .expect(200);
    }
    const { pseudonym, events } = await consent.eraseSubject(subject);
    expect(events).toBe(4);
    expect(await seqs(subject)).toEqual([]);
    const rows = await ds.query(
      `SELECT ${col('action')} AS action, ${col('ip')} AS ip, ${col('user_agent')} AS ua FROM ${q('consent_events')} WHERE ${col('subject_id')} = '${pseudonym}' ORDER BY ${col('seq')}`,
    );
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['grant', 'refuse', 'grant', 'erase']);
    expect(rows.every((r: { ip: unknown; ua: unknown }) => r.ip === null && r.ua === null)).toBe(true);
    expect(await consent.verify({ type: 'visitor', id: pseudonym })).toMatchObject({ ok: true, checked: 4 });
    expect((await consent.getStateOf(subject)).needsConsent).toBe(true);
  });

  it('retention folds old events into a signed checkpoint and the rest of the chain verifies', async () => {
    const { subject, cookie } = mintVisitor();
    const server = apps[0].getHttpServer();
    for (let i = 0; i < 3; i++)
      await request(server)
        .put('/consent')
        .set('Cookie', cookie)
        .send({ choice: 'accept-all', policyVersion: '1' })
        .expect(200);
    clock.advance(400 * DAY);
    for (let i = 0; i < 2; i++)
      await request(server)
        .put('/consent')
        .set('Cookie', cookie)
        .send({ choice: 'reject-all', policyVersion: '1' })
        .expect(200);
    const retaining = (
      await bootLibraryApp({
        options: trackingOptions({ database: { url, tablePrefix: prefix }, consent: { retention: '365d' } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      const folded = await retaining.get(ConsentService).applyRetention();
      expect(folded.events).toBeGreaterThanOrEqual(3);
      expect(await seqs(subject)).toEqual([4, 5]);
      expect(await consent.verify(subject)).toMatchObject({ ok: true, checked: 2 });
      await ds.query(
        `UPDATE ${q('consent_checkpoints')} SET ${col('seq')} = 2 WHERE ${col('subject_id')} = '${subject.id}' AND ${col('kind')} = 'fold'`,
      );
      expect(await consent.verify(subject)).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/checkpoint signature/),
      });
    } finally {
      await retaining.close();
    }
  });
});
