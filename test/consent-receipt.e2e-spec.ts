import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentAuditService } from '../src/consent/consent-audit.service.js';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { ConsentRecordEntity } from '../src/consent/consent-record.entity.js';
import { AuthService, ConsentService, type AuthConsentModuleOptions } from '../src/index.js';
import {
  CONSENT_RECEIPT_SCHEMA,
  type ConsentReceipt,
  type ConsentReceiptChain,
} from '../src/consent/consent-receipt.service.js';
import { ConsentPolicy } from '../src/consent/consent.policy.js';
import { setCookieLines } from './support/cookie-jar.js';
import { dataSourceOf } from './support/admin.js';
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

const prefix = uniquePrefix('rcpt');
const options: AuthConsentModuleOptions = {
  environment: 'test',
  redis: { url: REDIS_URL },
  database: { url: POSTGRES_URL, tablePrefix: prefix },
  session: { secret: TEST_SECRET, redisPrefix: `${prefix}:` },
  consent: {
    categories: TRACKING_CATEGORIES,
    auditSecret: 'receipt spec audit secret 0123456789abcdef',
    policyUrl: 'https://example.com/privacy',
  },
};
const PASSWORD = 'receipt spec password 42';

const cookiesOf = (res: request.Response) => setCookieLines(res).map((c) => c.split(';')[0]);

describe('GET /consent/export: the data-subject consent receipt (PostgreSQL, Redis)', () => {
  let app: INestApplication;
  let ds: DataSource;
  let userId: string;
  let sid: string;
  let visitorId: string;
  const http = () => request(app.getHttpServer());

  /** The subject's events as stored, oldest first. */
  const stored = (type: string, id: string) =>
    ds.getRepository(ConsentEventEntity).find({ where: { subjectType: type, subjectId: id }, order: { seq: 'ASC' } });

  /** Re-links a chain from the receipt alone and recomputes each hash with the server's key. */
  function relink(chain: ConsentReceiptChain): void {
    const audit = app.get(ConsentAuditService);
    let prev: string | null = chain.start?.hash ?? null;
    let seq = chain.start?.seq ?? 1;
    for (const e of chain.events) {
      expect(e.seq).toBe(seq++);
      expect(e.prev_hash).toBe(prev);
      expect(e.format).toBe(2);
      const recomputed = audit.hashEvent(
        {
          seq: e.seq,
          action: e.action,
          decisionsBefore: e.decisions_before,
          decisionsAfter: e.decisions_after,
          policyVersion: e.policy_version,
          policyHash: e.policy_hash,
          source: e.collection_method,
          locale: e.locale,
          createdAt: new Date(e.timestamp),
          prevHash: e.prev_hash,
          format: e.format,
        },
        audit.subjectPseudonym(chain.subject),
      );
      expect(recomputed).toBe(e.hash);
      prev = e.hash;
    }
  }

  beforeAll(async () => {
    app = (await bootLibraryApp({ options: fastArgon2(options), appPipeAndFilter: true, signIn: [ADMIN, NOT_ADMIN] }))
      .app;
    ds = dataSourceOf(app);
    userId = (await app.get(AuthService).createUser('ria', PASSWORD, ['user'])).id;
    // As a visitor first: two decisions on the visitor's chain, then a login that links them to the user.
    const first = await http().put('/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);
    const visitorCookie = cookiesOf(first).join('; ');
    await http()
      .put('/consent')
      .set('Cookie', visitorCookie)
      .send({ choice: 'accept-all', policyVersion: '1' })
      .expect(200);
    visitorId = (await ds.getRepository(ConsentRecordEntity).findOneByOrFail({ subjectType: 'visitor' })).subjectId;
    const login = await http()
      .post('/auth/login')
      .set('Cookie', visitorCookie)
      .send({ username: 'ria', password: PASSWORD })
      .expect(200);
    sid = cookiesOf(login).find((c) => /^(__Host-)?sid=/.test(c))!;
    await http()
      .put('/consent')
      .set('Cookie', sid)
      .send({ decisions: { preferences: true, analytics: true, marketing: false }, policyVersion: '1' })
      .expect(200);
    await http().delete('/consent').set('Cookie', sid).expect(200);
    await http()
      .put('/consent')
      .set('Cookie', sid)
      .send({ decisions: { preferences: true, analytics: false, marketing: false }, policyVersion: '1' })
      .expect(200);
  });
  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
    await deleteRedisPrefix(`${prefix}:`);
  });

  it('is 401 JSON when not signed in', async () => {
    const res = await http().get('/consent/export').expect(401);
    expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.any(String) });
  });

  it('is a JSON attachment with the ISO/IEC TS 27560 elements', async () => {
    const res = await http().get('/consent/export').set('Cookie', sid).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="consent-receipt-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const r = res.body as ConsentReceipt;
    const record = await ds
      .getRepository(ConsentRecordEntity)
      .findOneByOrFail({ subjectType: 'user', subjectId: userId });
    const policy = app.get(ConsentPolicy);
    expect(r).toMatchObject({
      schema_version: CONSENT_RECEIPT_SCHEMA,
      record_id: record.id,
      pii_principal_id: userId,
      subject: { type: 'user', id: userId },
      notice: { policy_version: '1', policy_hash: policy.hash, policy_url: 'https://example.com/privacy' },
      collection_method: 'banner',
      timestamps: { decided_at: record.decidedAt.toISOString(), expires_at: record.expiresAt.toISOString() },
      validity: {
        valid_from: record.decidedAt.toISOString(),
        valid_until: record.expiresAt.toISOString(),
        status: 'active',
        needs_consent: false,
      },
      withdrawal: { method: 'DELETE /consent', description: expect.any(String) },
    });
    expect(Date.parse(r.generated_at)).not.toBeNaN();
    expect(r.purposes.map((p) => [p.purpose_id, p.lawful_basis, p.consent_state, p.in_force])).toEqual([
      ['necessary', 'strictly-necessary', 'granted', true],
      ['preferences', 'consent', 'granted', true],
      ['analytics', 'consent', 'refused', false],
      ['marketing', 'consent', 'refused', false],
    ]);
    expect(r.purposes[2].cookies).toEqual(['demo_analytics']);
  });

  it('contains every event of the subject, with chain hashes that re-link and verify; ConsentService.verify agrees', async () => {
    const r = (await http().get('/consent/export').set('Cookie', sid).expect(200)).body as ConsentReceipt;
    const rows = await stored('user', userId);
    expect(rows.map((e) => [e.action, e.source])).toEqual([
      ['link', 'login'],
      [expect.any(String), 'banner'],
      ['withdraw', 'banner'],
      [expect.any(String), 'banner'],
    ]);
    expect(r.chain.events.map((e) => [e.seq, e.action, e.hash, e.prev_hash])).toEqual(
      rows.map((e) => [e.seq, e.action, e.hash, e.prevHash]),
    );
    expect(r.chain.events[0].prev_hash).toBeNull();
    expect(r.timestamps.first_event_at).toBe(rows[0].createdAt.toISOString());
    expect(r.timestamps.last_event_at).toBe(rows[rows.length - 1].createdAt.toISOString());
    relink(r.chain);
    const report = await app.get(ConsentService).verify({ type: 'user', id: userId });
    expect(report).toMatchObject({ ok: true, checked: rows.length });
    expect(r.chain.verification).toEqual({ ok: true, checked: rows.length });
  });

  it('includes the visitor chain linked at login, which verifies too', async () => {
    const r = (await http().get('/consent/export').set('Cookie', sid).expect(200)).body as ConsentReceipt;
    expect(r.linked_visitors).toHaveLength(1);
    const visitor = r.linked_visitors[0];
    expect(visitor.subject).toEqual({ type: 'visitor', id: visitorId });
    const rows = await stored('visitor', visitorId);
    expect(rows).toHaveLength(2);
    expect(visitor.events.map((e) => e.hash)).toEqual(rows.map((e) => e.hash));
    relink(visitor);
    expect(visitor.verification).toEqual({ ok: true, checked: 2 });
  });

  it("another user's receipt holds none of these events", async () => {
    const r = (
      await http()
        .get('/consent/export')
        .set(...as(NOT_ADMIN))
        .expect(200)
    ).body as ConsentReceipt;
    expect(r.subject).toEqual({ type: 'user', id: NOT_ADMIN.id });
    expect(r.linked_visitors).toEqual([]);
    expect(r.record_id).toBeNull();
    expect(r.chain.events).toEqual([]);
    expect(r.chain.verification).toEqual({ ok: true, checked: 0 });
    expect(r.validity).toMatchObject({ status: 'none', needs_consent: true });
    expect(r.purposes.find((p) => p.purpose_id === 'analytics')?.consent_state).toBe('not-decided');
  });

  it('a record that disagrees with the chain (all granted after the withdrawal, in SQL) is not vouched for: verification is not ok', async () => {
    const table = ds.getMetadata(ConsentRecordEntity).tablePath;
    const record = await ds
      .getRepository(ConsentRecordEntity)
      .findOneByOrFail({ subjectType: 'user', subjectId: userId });
    const grantAll = JSON.stringify({ necessary: true, preferences: true, analytics: true, marketing: true });
    await ds.query(`UPDATE ${table} SET decisions = $1 WHERE id = $2`, [grantAll, record.id]);
    try {
      const r = (await http().get('/consent/export').set('Cookie', sid).expect(200)).body as ConsentReceipt;
      // What the record claims, and what the gate would apply...
      expect(r.purposes.map((p) => [p.purpose_id, p.consent_state, p.in_force])).toEqual([
        ['necessary', 'granted', true],
        ['preferences', 'granted', true],
        ['analytics', 'granted', true],
        ['marketing', 'granted', true],
      ]);
      // ...which the chain does not back: its events still re-link, but the verification fails at the last one.
      relink(r.chain);
      expect(r.chain.verification).toEqual({
        ok: false,
        checked: 4,
        broken_at: 4,
        reason: expect.stringMatching(/record/),
      });
    } finally {
      await ds.query(`UPDATE ${table} SET decisions = $1 WHERE id = $2`, [JSON.stringify(record.decisions), record.id]);
    }
    expect(
      ((await http().get('/consent/export').set('Cookie', sid).expect(200)).body as ConsentReceipt).chain.verification,
    ).toEqual({ ok: true, checked: 4 });
  });

  it('a record inserted in SQL for a user who never decided is not vouched for either', async () => {
    const table = ds.getMetadata(ConsentRecordEntity).tablePath;
    const mine = await ds
      .getRepository(ConsentRecordEntity)
      .findOneByOrFail({ subjectType: 'user', subjectId: userId });
    await ds.getRepository(ConsentRecordEntity).insert({ ...mine, id: randomUUID(), subjectId: NOT_ADMIN.id });
    try {
      const r = (
        await http()
          .get('/consent/export')
          .set(...as(NOT_ADMIN))
          .expect(200)
      ).body as ConsentReceipt;
      expect(r.chain.events).toEqual([]);
      expect(r.chain.verification).toMatchObject({ ok: false, reason: expect.stringMatching(/record/) });
    } finally {
      await ds.query(`DELETE FROM ${table} WHERE subject_type = 'user' AND subject_id = $1`, [NOT_ADMIN.id]);
    }
  });

  it('a tampered event (decisions edited in SQL) shows in the receipt: it no longer re-links, and verification reports it', async () => {
    const table = ds.getMetadata(ConsentEventEntity).tablePath;
    await ds.query(
      `UPDATE ${table} SET decisions_after = $1 WHERE subject_type = 'user' AND subject_id = $2 AND seq = 2`,
      [JSON.stringify({ necessary: true, preferences: true, analytics: true, marketing: true }), userId],
    );
    const r = (await http().get('/consent/export').set('Cookie', sid).expect(200)).body as ConsentReceipt;
    expect(r.chain.events[1].decisions_after.marketing).toBe(true);
    expect(() => relink(r.chain)).toThrow();
    expect(r.chain.verification).toMatchObject({ ok: false, broken_at: 2 });
    expect(await app.get(ConsentService).verify({ type: 'user', id: userId })).toMatchObject({
      ok: false,
      brokenAt: 2,
    });
  });
});
