import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ConsentService } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { CookieJar, setCookies } from './support/cookie-jar.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, POSTGRES_URL, uniquePrefix } from './support/services.js';

const sqliteDir = mkdtempSync(join(tmpdir(), 'ac-consent-gpc-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

/** A browser: keeps the cookies the server sets, drops those it expires; sends Sec-GPC: 1 while `gpc` is on. */
class Browser {
  readonly jar = new CookieJar();
  constructor(
    private readonly http: () => ReturnType<INestApplication['getHttpServer']>,
    public gpc = true,
  ) {}
  private headers(): Record<string, string> {
    return { Cookie: this.jar.header(), ...(this.gpc ? { 'Sec-GPC': '1' } : {}) };
  }
  private keep(res: request.Response): request.Response {
    return this.jar.store(res);
  }
  async get(path: string): Promise<request.Response> {
    return this.keep(await request(this.http()).get(path).set(this.headers()));
  }
  async put(body: object): Promise<request.Response> {
    return this.keep(
      await request(this.http())
        .put('/consent')
        .set(this.headers())
        .send({ policyVersion: '1', ...body }),
    );
  }
  demoCookies(): string[] {
    return [...this.jar.keys()].filter((n) => n.startsWith('demo_')).sort();
  }
}

/** CPRA regulations §7025: the GPC signal against "Accept all", an explicit override, and earlier grants, on both writers. */
describe.each([
  ['PostgreSQL', POSTGRES_URL],
  ['SQLite', `sqlite:${join(sqliteDir, 'gpc.sqlite')}`],
])('Global Privacy Control conflicts on %s', (_name, url) => {
  const prefix = uniquePrefix('cgpc');
  let app: INestApplication;
  const http = () => app.getHttpServer();

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: trackingOptions({ database: { url, tablePrefix: prefix }, policyVersion: '1' }),
        clock: new TestClock(JAN_1_2026),
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
  });

  afterAll(async () => {
    await app?.close();
    if (!url.startsWith('sqlite')) await dropPrefixedTables(url, prefix);
  });

  it('"Accept all" with Sec-GPC: 1 leaves the sale/sharing categories refused, records the signal, and Consent Mode follows', async () => {
    const b = new Browser(http);
    const res = await b.put({ choice: 'accept-all' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      needsConsent: false,
      gpc: true,
      gpcHonoured: true,
      gpcOverride: [],
      decisions: { necessary: true, preferences: true, analytics: true, marketing: false },
      consentMode: {
        analytics_storage: 'granted',
        ad_storage: 'denied',
        ad_user_data: 'denied',
        ad_personalization: 'denied',
      },
    });
    await b.get('/demo/track');
    expect(b.demoCookies()).toEqual(['demo_analytics', 'demo_theme']);
    const history = (await b.get('/consent/history')).body;
    expect(history.at(-1)).toMatchObject({ action: 'grant', decisions: { marketing: false }, detail: { gpc: true } });
    expect(history.at(-1).detail.gpcOverride).toBeUndefined();
  });

  it('granting marketing over the signal needs gpcOverride: true (409 and nothing written without it); the event records the override', async () => {
    const b = new Browser(http);
    const conflict = await b.put({ decisions: { analytics: false, marketing: true } });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toMatch(/Global Privacy Control.*'marketing'.*gpcOverride: true/);
    expect(b.jar.size).toBe(0);
    expect((await b.put({ decisions: { marketing: true }, gpcOverride: 'yes' })).status).toBe(400);

    const ok = await b.put({ decisions: { analytics: false, marketing: true }, gpcOverride: true, source: 'settings' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      gpc: true,
      gpcHonoured: false,
      gpcOverride: ['marketing'],
      decisions: { marketing: true },
      consentMode: { ad_storage: 'granted' },
    });
    await b.get('/demo/track');
    expect(b.demoCookies()).toEqual(['demo_ads']);
    // The override is kept on later requests with the signal, and by a later change of another category.
    expect((await b.get('/consent')).body).toMatchObject({
      decisions: { marketing: true },
      gpcOverride: ['marketing'],
    });
    expect((await b.put({ decisions: { analytics: true } })).body).toMatchObject({
      decisions: { analytics: true, marketing: true },
    });
    const history = (await b.get('/consent/history')).body as Array<{ detail?: object }>;
    expect(history.map((h) => h.detail)).toEqual([
      { gpc: true, gpcOverride: ['marketing'], ruleSet: 'opt-in' },
      { gpc: true, gpcOverride: ['marketing'], ruleSet: 'opt-in' },
    ]);
    // "Accept all" later, still with the signal, does not undo the explicit override.
    expect((await b.put({ choice: 'accept-all' })).body).toMatchObject({ decisions: { marketing: true } });
    expect((await app.get(ConsentService).verify()).ok).toBe(true);
  });

  it('the recorded signal and override are covered by the chain: editing them in the database fails verify', async () => {
    const b = new Browser(http);
    await b.put({ decisions: { marketing: true }, gpcOverride: true, source: 'settings' });
    const consent = app.get(ConsentService);
    expect((await consent.verify()).ok).toBe(true);
    const ds = app.get<import('typeorm').DataSource>(AUTH_CONSENT_DATA_SOURCE);
    const table = ds.getMetadata(ConsentEventEntity).tableName;
    const q = (name: string) => ds.driver.escape(name);
    const rows: Array<{ id: string | number; detail: unknown }> = await ds.query(
      `SELECT ${q('id')} AS id, ${q('detail')} AS detail FROM ${q(table)} WHERE ${q('detail')} IS NOT NULL`,
    );
    const target = rows.find((r) => JSON.stringify(r.detail).includes('gpcOverride'));
    expect(target).toBeDefined();
    // An attacker with SQL access erases the override, as if the visitor had never granted over the signal.
    const forged = JSON.stringify({ gpc: true, ruleSet: 'opt-in' });
    await ds.query(
      `UPDATE ${q(table)} SET ${q('detail')} = ${url.startsWith('sqlite') ? '?' : '$1'} WHERE ${q('id')} = ${url.startsWith('sqlite') ? '?' : '$2'}`,
      [forged, target!.id],
    );
    expect((await consent.verify()).ok).toBe(false);
  });

  it('an earlier grant made without the signal yields to it: the gate strips and expires the marketing cookie', async () => {
    const b = new Browser(http, false);
    await b.put({ choice: 'accept-all' });
    await b.get('/demo/track');
    expect(b.demoCookies()).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);

    b.gpc = true;
    b.jar.delete('demo_ads');
    const tracked = await b.get('/demo/track');
    expect(setCookies(tracked).set).toEqual(['demo_analytics', 'demo_theme']);
    expect((await b.get('/consent')).body).toMatchObject({
      gpc: true,
      gpcHonoured: true,
      decisions: { marketing: false, analytics: true },
    });
    // A decision sent with the signal keeps marketing off unless it is granted over it, and expires its cookie.
    b.jar.set('demo_ads', 'x');
    const res = await b.put({ decisions: { preferences: false } });
    expect(res.body).toMatchObject({ decisions: { marketing: false, preferences: false, analytics: true } });
    expect(setCookies(res).expired).toContain('demo_ads');
  });
});
