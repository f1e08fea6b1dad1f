import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { Consent, RequiresConsent, type ConsentState } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { DAY, JAN_1_2026, TestClock } from './support/clock.js';
import { CookieJar, setCookies } from './support/cookie-jar.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import {
  countQueries,
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  uniquePrefix,
} from './support/services.js';

const prefix = uniquePrefix('cgate');
const redisPrefix = `${prefix}r:`;
const site = { database: { url: POSTGRES_URL, tablePrefix: prefix }, redisUrl: REDIS_URL, policyVersion: '1' };
const clock = new TestClock(JAN_1_2026);

/** App code using the decorators. */
@Controller('app')
class AppCodeController {
  @Get('stats')
  @RequiresConsent('analytics')
  stats(@Consent() consent: ConsentState): { analytics: boolean } {
    return { analytics: consent.decisions.analytics };
  }
}
let app: INestApplication;
let http: ReturnType<INestApplication['getHttpServer']>;
let ds: DataSource;

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: trackingOptions({ ...site, redisPrefix }),
      clock,
      controllers: [TrackController, AppCodeController],
      appPipeAndFilter: true,
    })
  ).app;
  http = app.getHttpServer();
  ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
});

afterAll(async () => {
  await app?.close();
  await dropPrefixedTables(POSTGRES_URL, prefix);
  await deleteRedisPrefix(redisPrefix);
});

/** A browser: keeps the cookies the server sets, drops those it expires. */
class Browser {
  readonly jar = new CookieJar();
  constructor(private readonly headers: Record<string, string> = {}) {}
  private cookie(): string {
    return this.jar.header();
  }
  private keep(res: request.Response): request.Response {
    return this.jar.store(res);
  }
  async get(path: string, extra: Record<string, string> = {}): Promise<request.Response> {
    return this.keep(
      await request(http)
        .get(path)
        .set({ ...this.headers, ...extra, Cookie: this.cookie() }),
    );
  }
  async put(body: unknown): Promise<request.Response> {
    return this.keep(
      await request(http)
        .put('/consent')
        .set({ ...this.headers, Cookie: this.cookie() })
        .send(body as object),
    );
  }
  async del(): Promise<request.Response> {
    return this.keep(
      await request(http)
        .delete('/consent')
        .set({ ...this.headers, Cookie: this.cookie() }),
    );
  }
}

async function eventCount(): Promise<number> {
  const [{ n }] = await ds.query(`SELECT COUNT(*)::int AS n FROM "${prefix}consent_events"`);
  return n;
}

describe('consent config', () => {
  it('lists the four demo categories with their cookies, with an ETag honoured by If-None-Match', async () => {
    const res = await request(http).get('/consent/config').expect(200);
    expect(res.body.policyVersion).toBe('1');
    expect(res.body.categories.map((c: { key: string }) => c.key)).toEqual([
      'necessary',
      'preferences',
      'analytics',
      'marketing',
    ]);
    expect(res.body.categories[2]).toMatchObject({
      required: false,
      cookies: [{ name: 'demo_analytics', purpose: expect.any(String), duration: '1 year', provider: 'this site' }],
    });
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    await request(http).get('/consent/config').set('If-None-Match', res.headers.etag).expect(304);
  });
});

describe('the cookie gate on GET /demo/track', () => {
  it('lets no non-essential cookie out before any decision, and sets no visitor cookie', async () => {
    const b = new Browser();
    const res = await b.get('/demo/track');
    expect(res.status).toBe(200);
    expect(setCookies(res).set).toEqual([]);
    const state = (await b.get('/consent')).body;
    expect(state).toMatchObject({ policyVersion: '1', decidedAt: null, needsConsent: true, gpc: false });
    expect(state.decisions).toEqual({ necessary: true, preferences: false, analytics: false, marketing: false });
    expect(b.jar.size).toBe(0);
  });

  it('reject-all: nothing passes, and the visitor gets an HttpOnly consent cookie with a 128-bit ID', async () => {
    const b = new Browser();
    const put = await b.put({ choice: 'reject-all', policyVersion: '1' }).then((r) => r);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      needsConsent: false,
      decisions: { necessary: true, preferences: false, analytics: false, marketing: false },
    });
    const visitor = setCookies(put).raw.find((c) => c.startsWith('consent_visitor='))!;
    expect(visitor).toMatch(/HttpOnly/);
    expect(visitor).toMatch(/SameSite=Lax/);
    expect(visitor).toMatch(/Path=\//);
    expect(visitor).not.toMatch(/Domain=/);
    expect(visitor.split('=')[1].split('.')[0]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(setCookies(await b.get('/demo/track')).set).toEqual([]);
  });

  it.each([
    ['preferences', 'demo_theme', 'res.cookie'],
    ['analytics', 'demo_analytics', 'res.setHeader'],
    ['marketing', 'demo_ads', 'res.append'],
  ])('granting only %s lets exactly %s (set through %s) pass', async (category, cookie) => {
    const b = new Browser();
    const decisions = { preferences: false, analytics: false, marketing: false, [category]: true };
    expect((await b.put({ decisions, policyVersion: '1' })).status).toBe(200);
    expect(setCookies(await b.get('/demo/track')).set).toEqual([cookie]);
  });

  it('accept-all lets the three through and maps Consent Mode v2; analytics alone maps only analytics_storage', async () => {
    const b = new Browser();
    const all = await b.put({ choice: 'accept-all', policyVersion: '1' });
    expect(all.body.consentMode).toEqual({
      analytics_storage: 'granted',
      ad_storage: 'granted',
      ad_user_data: 'granted',
      ad_personalization: 'granted',
    });
    expect(setCookies(await b.get('/demo/track')).set).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
    const some = await b.put({
      decisions: { analytics: true, marketing: false, preferences: false },
      policyVersion: '1',
      locale: 'de-AT',
    });
    expect(some.body.consentMode).toEqual({
      analytics_storage: 'granted',
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
    });
  });

  it('withdrawal answers expiring Set-Cookie for every declared cookie of the withdrawn categories', async () => {
    const b = new Browser();
    await b.put({ choice: 'accept-all', policyVersion: '1' });
    await b.get('/demo/track');
    expect([...b.jar.keys()].sort()).toEqual(['consent_visitor', 'demo_ads', 'demo_analytics', 'demo_theme']);
    const res = await b.del();
    expect(res.status).toBe(200);
    expect(res.body.decisions).toEqual({ necessary: true, preferences: false, analytics: false, marketing: false });
    expect(setCookies(res).expired).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
    expect(
      setCookies(res)
        .raw.filter((c) => c.startsWith('demo_'))
        .every((c) => /Path=\//.test(c)),
    ).toBe(true);
    expect([...b.jar.keys()]).toEqual(['consent_visitor']);
    expect(setCookies(await b.get('/demo/track')).set).toEqual([]);
    const history = (await b.get('/consent/history')).body;
    expect(history.map((h: { action: string }) => h.action)).toEqual(['grant', 'withdraw']);
    expect(history[1]).toMatchObject({
      policyVersion: '1',
      source: 'banner',
      decisions: { analytics: false },
      at: expect.any(String),
    });
  });

  it('reads no SQL on the request path once a visitor has decided', async () => {
    const b = new Browser();
    await b.put({ decisions: { analytics: true }, policyVersion: '1' });
    const queries = countQueries(ds);
    for (let i = 0; i < 20; i++) expect(setCookies(await b.get('/demo/track')).set).toEqual(['demo_analytics']);
    expect(queries.count).toBe(0);
  });
});

describe('PUT /consent with a bad body changes nothing', () => {
  it.each([
    [{ decisions: { tracking: true }, policyVersion: '1' }, 400, /Unknown category 'tracking'/],
    [{ decisions: { analytics: 'yes' }, policyVersion: '1' }, 400, /must be true or false/],
    [{ decisions: { necessary: false }, policyVersion: '1' }, 400, /required and cannot be refused/],
    [{ choice: 'accept-some', policyVersion: '1' }, 400, /Unknown choice/],
    [{ choice: 'accept-all' }, 400, /policyVersion is required/],
    [{ decisions: { analytics: true }, choice: 'accept-all', policyVersion: '1' }, 400, /either decisions or choice/],
    [[1, 2], 400, /JSON object/],
    [{ choice: 'accept-all', policyVersion: '0' }, 409, /not the current policy version/],
  ])('%j → %i', async (body, status, message) => {
    const b = new Browser();
    await b.put({ decisions: { analytics: true }, policyVersion: '1' });
    const before = await eventCount();
    const res = await b.put(body);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      statusCode: status,
      error: expect.any(String),
      message: expect.stringMatching(message),
    });
    expect(await eventCount()).toBe(before);
    expect((await b.get('/consent')).body.decisions).toEqual({
      necessary: true,
      preferences: false,
      analytics: true,
      marketing: false,
    });
  });
});

describe('expiry and policy version', () => {
  it('a decision older than the 180-day lifetime needs consent again and the gate treats it as undecided', async () => {
    const b = new Browser();
    await b.put({ choice: 'accept-all', policyVersion: '1' });
    clock.advance(179 * DAY);
    expect((await b.get('/consent')).body.needsConsent).toBe(false);
    clock.advance(2 * DAY);
    const state = (await b.get('/consent')).body;
    expect(state).toMatchObject({ needsConsent: true, decidedAt: null });
    expect(setCookies(await b.get('/demo/track')).set).toEqual([]);
  });

  it('a new policy version asks again; a PUT under the old version is 409', async () => {
    const b = new Browser();
    await b.put({ choice: 'accept-all', policyVersion: '1' });
    const v2 = (
      await bootLibraryApp({
        options: trackingOptions({ ...site, policyVersion: '2', redisPrefix }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      const server = v2.getHttpServer();
      const cookie = b.jar.header();
      const state = (await request(server).get('/consent').set('Cookie', cookie)).body;
      expect(state).toMatchObject({ policyVersion: '2', needsConsent: true });
      expect(setCookies(await request(server).get('/demo/track').set('Cookie', cookie)).set).toEqual([]);
      expect(
        (await request(server).put('/consent').set('Cookie', cookie).send({ choice: 'accept-all', policyVersion: '1' }))
          .status,
      ).toBe(409);
      const ok = await request(server)
        .put('/consent')
        .set('Cookie', cookie)
        .send({ choice: 'accept-all', policyVersion: '2' });
      expect(ok.body).toMatchObject({ policyVersion: '2', needsConsent: false });
    } finally {
      await v2.close();
    }
  });
});

describe('Global Privacy Control', () => {
  it('Sec-GPC: 1 without a decision refuses the gpcOptOut categories once (source gpc); an explicit, confirmed opt-in wins', async () => {
    const b = new Browser({ 'Sec-GPC': '1' });
    const first = (await b.get('/consent')).body;
    expect(first).toMatchObject({ gpc: true, needsConsent: true, decisions: { marketing: false } });
    await b.get('/consent');
    let history = (await b.get('/consent/history')).body;
    expect(history).toEqual([expect.objectContaining({ action: 'refuse', source: 'gpc' })]);
    expect(setCookies(await b.get('/demo/track')).set).toEqual([]);
    const opted = await b.put({
      decisions: { marketing: true, analytics: false, preferences: false },
      gpcOverride: true,
      policyVersion: '1',
    });
    expect(opted.body).toMatchObject({ needsConsent: false, decisions: { marketing: true } });
    expect(setCookies(await b.get('/demo/track')).set).toEqual(['demo_ads']);
    history = (await b.get('/consent/history')).body;
    expect(history.map((h: { source: string }) => h.source)).toEqual(['gpc', 'banner']);
  });
});

describe('@RequiresConsent and @Consent in app code', () => {
  it('answers 403 with a clear message until the category is granted, then hands the state to the handler', async () => {
    const b = new Browser();
    const denied = await b.get('/app/stats');
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: "This requires consent to the 'analytics' category, which has not been granted.",
    });
    await b.put({ decisions: { analytics: true }, policyVersion: '1' });
    const ok = await b.get('/app/stats');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ analytics: true });
  });
});
