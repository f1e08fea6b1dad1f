import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { setCookies } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, POSTGRES_URL, uniquePrefix } from './support/services.js';

const prefix = uniquePrefix('cregion');
const PASSWORD = 'regions test password';
let app: INestApplication;
let http: ReturnType<INestApplication['getHttpServer']>;
type Agent = ReturnType<typeof request.agent>;

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: trackingOptions({
        database: { url: POSTGRES_URL, tablePrefix: prefix },
        policyVersion: '1',
        regionHeader: 'CF-IPCountry',
        auth: { argon2: FAST_ARGON2 },
      }),
      clock: new TestClock(JAN_1_2026),
      controllers: [TrackController],
      appPipeAndFilter: true,
    })
  ).app;
  http = app.getHttpServer();
});

afterAll(async () => {
  await app?.close();
  await dropPrefixedTables(POSTGRES_URL, prefix);
});

const tracked = async (b: Agent, headers: Record<string, string>) =>
  setCookies(await b.get('/demo/track').set(headers).expect(200)).set;

/** The demo's rule sets, from the header its edge would set (CONSENT_REGION_HEADER=CF-IPCountry). */
describe('regions and rule sets (the demo: EU/EEA, UK, CH opt-in; US privacy-law states opt-out; opt-in elsewhere)', () => {
  it.each([
    ['US-CA', 'opt-out', 'US-CA'],
    ['us-va ', 'opt-out', 'US-VA'],
    ['DE', 'opt-in', 'DE'],
    ['DE-BY', 'opt-in', 'DE-BY'],
    ['GB', 'opt-in', 'GB'],
    ['US', 'opt-in', 'US'],
    ['US-NY', 'opt-in', 'US-NY'],
    ['JP', 'opt-in', 'JP'],
    ['XX', 'opt-in', null],
    ['not a region', 'opt-in', null],
  ])('region header %j → %s (region %j)', async (header, ruleSet, region) => {
    const state = (await request(http).get('/consent').set('CF-IPCountry', header).expect(200)).body;
    expect(state).toMatchObject({ ruleSet, region, needsConsent: ruleSet === 'opt-in' });
  });

  it('no header: opt-in, region null', async () => {
    expect((await request(http).get('/consent').expect(200)).body).toMatchObject({
      ruleSet: 'opt-in',
      region: null,
      needsConsent: true,
    });
  });

  it('opt-out: optional cookies pass until refused; the refusal is recorded with the rule set and region', async () => {
    const b = request.agent(http);
    const ca = { 'CF-IPCountry': 'US-CA' };
    expect((await b.get('/consent').set(ca)).body).toMatchObject({
      decidedAt: null,
      decisions: { preferences: true, analytics: true, marketing: true },
    });
    expect(await tracked(b, ca)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
    const refused = await b
      .put('/consent')
      .set(ca)
      .send({ decisions: { analytics: false }, policyVersion: '1', source: 'settings' })
      .expect(200);
    expect(refused.body).toMatchObject({
      ruleSet: 'opt-out',
      decisions: { preferences: true, analytics: false, marketing: true },
      consentMode: { analytics_storage: 'denied' },
    });
    expect(setCookies(refused).expired).toContain('demo_analytics');
    expect(await tracked(b, ca)).toEqual(['demo_ads', 'demo_theme']);
    const history = (await b.get('/consent/history').set(ca)).body;
    expect(history).toEqual([
      expect.objectContaining({ source: 'settings', detail: { ruleSet: 'opt-out', region: 'US-CA' } }),
    ]);
  });

  it('opt-out with Sec-GPC: 1: the sale/sharing category is refused, the others stay on', async () => {
    const b = request.agent(http);
    const headers = { 'CF-IPCountry': 'US-CA', 'Sec-GPC': '1' };
    expect((await b.get('/consent').set(headers)).body).toMatchObject({
      needsConsent: false,
      gpcHonoured: true,
      decisions: { analytics: true, marketing: false },
    });
    expect(await tracked(b, headers)).toEqual(['demo_analytics', 'demo_theme']);
  });

  it('opt-in: nothing optional passes before a decision', async () => {
    const b = request.agent(http);
    expect(await tracked(b, { 'CF-IPCountry': 'FR' })).toEqual([]);
    expect(await tracked(b, { 'CF-IPCountry': 'US' })).toEqual([]);
  });

  it('a decision made under opt-out rules is not prior consent under opt-in rules', async () => {
    const b = request.agent(http);
    await b.put('/consent').set('CF-IPCountry', 'US-TX').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
    expect(await tracked(b, { 'CF-IPCountry': 'US-TX' })).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
    expect((await b.get('/consent').set('CF-IPCountry', 'IT')).body).toMatchObject({
      ruleSet: 'opt-in',
      needsConsent: true,
      decisions: { analytics: false },
    });
    expect(await tracked(b, { 'CF-IPCountry': 'IT' })).toEqual([]);
    await b.put('/consent').set('CF-IPCountry', 'IT').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
    expect(await tracked(b, { 'CF-IPCountry': 'IT' })).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
  });

  it("the receipt names the rule set and region of the user's decision; every event carries them", async () => {
    await app.get(AuthService).createUser('rosa', PASSWORD);
    const b = request.agent(http);
    const ca = { 'CF-IPCountry': 'US-CA' };
    await b.post('/auth/login').set(ca).send({ username: 'rosa', password: PASSWORD }).expect(200);
    await b
      .put('/consent')
      .set(ca)
      .send({ decisions: { marketing: false }, policyVersion: '1' })
      .expect(200);
    const receipt = (await b.get('/consent/export').set(ca).expect(200)).body;
    expect(receipt.jurisdiction).toEqual({ rule_set: 'opt-out', region: 'US-CA' });
    expect(receipt.chain.events.at(-1).detail).toEqual({ ruleSet: 'opt-out', region: 'US-CA' });
    expect(receipt.chain.verification.ok).toBe(true);
    // The user's record is under opt-out rules: asked again under opt-in rules, on any of the user's requests.
    expect((await b.get('/consent').set('CF-IPCountry', 'NL')).body).toMatchObject({
      needsConsent: true,
      decisions: { preferences: false },
    });
  });
});
