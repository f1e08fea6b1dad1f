import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AuthService, type AuthConsentModuleOptions } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { BUILT_IN_UI_TEXTS } from '../src/consent/consent-ui.texts.js';
import { DEMO_CONSENT_CATEGORIES } from '../src/demo/demo-config.js';
import { DEMO_TRANSLATIONS } from '../src/demo/demo-translations.js';
import { demoOptionsFromEnv, type DemoEnv } from '../src/demo/demo-config.js';
import { DemoTrackController } from '../src/demo/demo-track.controller.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { setCookies } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { AUDIT_SECRET } from './support/tracking-fixture.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const prefix = uniquePrefix('clang');
const env = {
  DATABASE_URL: POSTGRES_URL,
  TABLE_PREFIX: prefix,
  REDIS_URL,
  REDIS_PREFIX: `${prefix}r:`,
  SESSION_SECRET: TEST_SECRET,
  CONSENT_AUDIT_SECRET: AUDIT_SECRET,
  CONSENT_POLICY_VERSION: '1',
  CONSENT_REGION_HEADER: 'CF-IPCountry',
};
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pl', 'pt'];
const PASSWORD = 'languages test password';
const clock = new TestClock(JAN_1_2026);
const fast = (o: AuthConsentModuleOptions): AuthConsentModuleOptions => ({
  ...o,
  auth: { ...o.auth, argon2: FAST_ARGON2 },
});
let app: INestApplication;

/** The demo's options (its categories, regions and eight languages) and GET /demo/track, on an app with the test clock. */
async function bootWithDemoOptions(
  e: DemoEnv,
  extra: (o: AuthConsentModuleOptions) => AuthConsentModuleOptions = (o) => o,
): Promise<INestApplication> {
  return (
    await bootLibraryApp({
      options: extra(demoOptionsFromEnv(e)),
      clock,
      controllers: [DemoTrackController],
      appPipeAndFilter: true,
    })
  ).app;
}
let http: ReturnType<INestApplication['getHttpServer']>;
type Server = ReturnType<INestApplication['getHttpServer']>;
type Config = {
  language: string;
  textHash: string;
  texts: Record<string, { version: string; hash: string }>;
  ui: Record<string, string>;
  categories: Array<{ key: string; name: string; cookies: Array<{ purpose: string }> }>;
};

const configIn = async (server: Server, lang: string): Promise<Config> =>
  (await request(server).get('/consent/config').set('Accept-Language', lang).expect(200)).body;
const cookieOf = (res: { headers: Record<string, unknown> }) =>
  setCookies(res)
    .raw.map((c) => c.split(';')[0])
    .join('; ');

beforeAll(async () => {
  app = await bootWithDemoOptions(env, fast);
  http = app.getHttpServer();
});

afterAll(async () => {
  await app?.close();
  await deleteRedisPrefix(`${prefix}r:`);
  await dropPrefixedTables(POSTGRES_URL, prefix);
});

/** The demo in eight languages: what each language shows, what a decision records, and who a changed text asks again. */
describe('languages (the demo on PostgreSQL and Redis)', () => {
  it('GET /consent/config answers each of the eight languages with its banner strings, category texts and own text hash', async () => {
    const configs = await Promise.all(LANGUAGES.map((lang) => configIn(http, lang)));
    configs.forEach((config, i) => {
      const lang = LANGUAGES[i];
      expect(config.language).toBe(lang);
      expect(config.ui).toEqual(BUILT_IN_UI_TEXTS[lang]);
      const marketing = config.categories.find((c) => c.key === 'analytics')!;
      expect(marketing.name).toBe(lang === 'en' ? 'Analytics' : DEMO_TRANSLATIONS[lang].categories!.analytics.name);
      expect(marketing.cookies[0].purpose).toBe(
        lang === 'en'
          ? 'Visit statistics'
          : DEMO_TRANSLATIONS[lang].categories!.analytics.cookies!.demo_analytics.purpose,
      );
      expect(config.texts[lang]).toEqual({ version: '1', hash: config.textHash });
    });
    expect(Object.keys(configs[0].texts).sort()).toEqual([...LANGUAGES].sort());
    expect(new Set(configs.map((c) => c.textHash)).size).toBe(8);
  });

  it('a malformed or hostile Accept-Language falls back to English; q=0 refuses a language', async () => {
    for (const header of ['*', ';;;,,,', 'x'.repeat(5000), 'de;q=0', '<script>', 'd'.repeat(300)]) {
      expect([header.slice(0, 20), (await configIn(http, header)).language]).toEqual([header.slice(0, 20), 'en']);
    }
    expect((await configIn(http, 'de;q=0, pl;q=0.1')).language).toBe('pl');
    // A long tag is cut at 512 characters and still names its language.
    expect((await configIn(http, 'de-'.repeat(300))).language).toBe('de');
  });

  it('records and receipts carry the rule set, the region, the language shown and its text hash', async () => {
    const auth = app.get(AuthService);
    const cases = [
      { user: 'hanna', region: 'DE', lang: 'de', ruleSet: 'opt-in' },
      { user: 'pedro', region: 'US-CA', lang: 'es', ruleSet: 'opt-out' },
    ];
    for (const c of cases) {
      await auth.createUser(c.user, PASSWORD);
      const b = request.agent(http);
      const where = { 'CF-IPCountry': c.region };
      await b.post('/auth/login').set(where).send({ username: c.user, password: PASSWORD }).expect(200);
      const { textHash, language } = await configIn(http, `${c.lang}-XX, en;q=0.5`);
      expect(language).toBe(c.lang);
      await b
        .put('/consent')
        .set(where)
        .send({ choice: 'accept-all', policyVersion: '1', textHash, locale: language, source: 'banner' })
        .expect(200);

      const last = (await b.get('/consent/history').expect(200)).body.at(-1);
      expect(last).toMatchObject({ detail: { ruleSet: c.ruleSet, region: c.region, textHash, language: c.lang } });
      const receipt = (await b.get('/consent/export').expect(200)).body;
      expect(receipt.notice).toMatchObject({
        text_hash: textHash,
        language: c.lang,
        texts: expect.objectContaining({ [c.lang]: { version: '1', hash: textHash } }),
      });
      expect(receipt.jurisdiction).toEqual({ rule_set: c.ruleSet, region: c.region });
      expect(receipt.chain.events.at(-1)).toMatchObject({
        locale: c.lang,
        detail: { ruleSet: c.ruleSet, region: c.region, textHash, language: c.lang },
      });
      expect(receipt.chain.verification.ok).toBe(true);
      const [record] = await app
        .get<DataSource>(AUTH_CONSENT_DATA_SOURCE)
        .query(
          `SELECT text_hash, rule_set FROM "${prefix}consent_records" WHERE subject_type = 'user' AND subject_id = $1`,
          [receipt.pii_principal_id],
        );
      // The record's rule_set marks decisions made under opt-out rules (not prior consent elsewhere); the events say both.
      expect(record).toEqual({ text_hash: textHash, rule_set: c.ruleSet === 'opt-out' ? 'opt-out' : null });
    }
  });

  it('a changed German banner string asks again German viewers only (visitors and signed-in users); the other languages keep their hash', async () => {
    const hashes = Object.fromEntries(
      await Promise.all(LANGUAGES.map(async (lang) => [lang, (await configIn(http, lang)).textHash] as const)),
    );
    const decideAs = async (lang: string) =>
      cookieOf(
        await request(http)
          .put('/consent')
          .set('CF-IPCountry', 'DE')
          .send({ choice: 'accept-all', policyVersion: '1', textHash: hashes[lang] })
          .expect(200),
      );
    const viewers = Object.fromEntries(
      await Promise.all(['de', 'en', 'fr'].map(async (lang) => [lang, await decideAs(lang)] as const)),
    );
    await app.get(AuthService).createUser('greta', PASSWORD);
    const greta = request.agent(http);
    await greta
      .post('/auth/login')
      .set('CF-IPCountry', 'DE')
      .send({ username: 'greta', password: PASSWORD })
      .expect(200);
    await greta
      .put('/consent')
      .set('CF-IPCountry', 'DE')
      .send({ choice: 'accept-all', policyVersion: '1', textHash: hashes.de })
      .expect(200);

    // Only a button label of the German banner changes; the categories and the policy version stay.
    const v2 = await bootWithDemoOptions(env, (o) => {
      const base = fast(o);
      return {
        ...base,
        consent: {
          ...base.consent,
          translations: { ...DEMO_TRANSLATIONS, de: { ...DEMO_TRANSLATIONS.de, ui: { acceptAll: 'Allen zustimmen' } } },
        },
      };
    });
    try {
      const server = v2.getHttpServer();
      const de = await configIn(server, 'de');
      expect(de.ui.acceptAll).toBe('Allen zustimmen');
      expect(de.textHash).not.toBe(hashes.de);
      for (const lang of LANGUAGES.filter((l) => l !== 'de'))
        expect((await configIn(server, lang)).textHash).toBe(hashes[lang]);

      const stateOf = async (cookie: string) =>
        (await request(server).get('/consent').set({ Cookie: cookie, 'CF-IPCountry': 'DE' }).expect(200)).body;
      expect(await stateOf(viewers.de)).toMatchObject({ needsConsent: true, decisions: { analytics: false } });
      expect(
        setCookies(await request(server).get('/demo/track').set({ Cookie: viewers.de, 'CF-IPCountry': 'DE' })).set,
      ).toEqual([]);
      for (const lang of ['en', 'fr'])
        expect(await stateOf(viewers[lang])).toMatchObject({ needsConsent: false, decisions: { analytics: true } });
      expect(
        setCookies(await request(server).get('/demo/track').set({ Cookie: viewers.en, 'CF-IPCountry': 'DE' })).set,
      ).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
      // The signed-in German user's session (in Redis) is asked again too.
      const session = greta.jar
        .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
        .map((c) => c.toValueString())
        .join('; ');
      expect(await stateOf(session)).toMatchObject({ needsConsent: true });
      // The old German hash is refused, the new one recorded.
      expect(
        (
          await request(server)
            .put('/consent')
            .set('Cookie', viewers.de)
            .send({ choice: 'accept-all', policyVersion: '1', textHash: hashes.de })
        ).status,
      ).toBe(409);
      await request(server)
        .put('/consent')
        .set('Cookie', viewers.de)
        .send({ choice: 'accept-all', policyVersion: '1', textHash: de.textHash })
        .expect(200);
    } finally {
      await v2.close();
    }
  });

  it('an override a language cannot use stops the boot with the option named', async () => {
    await expect(
      bootWithDemoOptions({ ...env, TABLE_PREFIX: `${prefix}x` }, (o) => ({
        ...o,
        consent: {
          ...o.consent,
          translations: { ...DEMO_TRANSLATIONS, sv: { categories: { analytics: { name: 'Statistik' } } } },
        },
      })),
    ).rejects.toThrow(/consent\.translations\['sv'\]\.ui: no built-in banner strings in 'sv'; give all of them/);
    expect(DEMO_CONSENT_CATEGORIES.map((c) => c.key)).toEqual(['necessary', 'preferences', 'analytics', 'marketing']);
  });
});
