import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AuthService } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { setCookies } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { TrackController, trackingOptions, TRACKING_CATEGORIES } from './support/tracking-fixture.js';
import { dropPrefixedTables, POSTGRES_URL, uniquePrefix } from './support/services.js';

const prefix = uniquePrefix('ctext');
const site = { database: { url: POSTGRES_URL, tablePrefix: prefix }, policyVersion: '1' };
const clock = new TestClock(JAN_1_2026);
const PASSWORD = 'text test password';
let app: INestApplication;
let http: ReturnType<INestApplication['getHttpServer']>;
let textHash: string;
type Agent = ReturnType<typeof request.agent>;

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: trackingOptions({ ...site, auth: { argon2: FAST_ARGON2 } }),
      clock,
      controllers: [TrackController],
      appPipeAndFilter: true,
    })
  ).app;
  http = app.getHttpServer();
  textHash = (await request(http).get('/consent/config').expect(200)).body.textHash;
});

afterAll(async () => {
  await app?.close();
  await dropPrefixedTables(POSTGRES_URL, prefix);
});

async function eventCount(): Promise<number> {
  const [{ n }] = await app
    .get<DataSource>(AUTH_CONSENT_DATA_SOURCE)
    .query(`SELECT COUNT(*)::int AS n FROM "${prefix}consent_events"`);
  return n;
}

const tracked = async (b: Agent) => setCookies(await b.get('/demo/track').expect(200)).set;

/** Proof of what was shown: the text hash a decision was made on, checked, recorded, and a changed text asks again. */
describe('text version and hash', () => {
  it('GET /consent/config publishes the text version and hash per language', async () => {
    const config = (await request(http).get('/consent/config').expect(200)).body;
    expect(config).toMatchObject({
      language: 'en',
      textHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      texts: { en: { version: '1', hash: config.textHash } },
    });
  });

  it('a wrong text hash is a 409 and a malformed one a 400; nothing is written', async () => {
    const before = await eventCount();
    const b = request.agent(http);
    const stale = await b.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash: 'a'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/textHash 'a{64}' is not the hash of the current text/);
    expect(setCookies(stale).raw).toEqual([]);
    expect((await b.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash: 'nope' })).status).toBe(
      400,
    );
    expect(await eventCount()).toBe(before);
  });

  it('the event, the record and the receipt name the text hash and language the decision was made on', async () => {
    await app.get(AuthService).createUser('ines', PASSWORD);
    const b = request.agent(http);
    await b.post('/auth/login').send({ username: 'ines', password: PASSWORD }).expect(200);
    await b.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash }).expect(200);
    const history = (await b.get('/consent/history')).body;
    expect(history.at(-1).detail).toEqual({ ruleSet: 'opt-in', textHash, language: 'en' });
    const receipt = (await b.get('/consent/export').expect(200)).body;
    expect(receipt.notice).toMatchObject({
      text_hash: textHash,
      language: 'en',
      texts: { en: { version: '1', hash: textHash } },
    });
    expect(receipt.chain.verification.ok).toBe(true);
  });

  it('a changed category text (same policy version) asks again those who saw the old text; a decision that named no text stands', async () => {
    const shown = request.agent(http);
    await shown.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash }).expect(200);
    const legacy = request.agent(http);
    await legacy.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);

    const changed = TRACKING_CATEGORIES.map((c) =>
      c.key === 'marketing' ? { ...c, description: 'Personalised advertising by our partners.' } : c,
    );
    const v2 = (
      await bootLibraryApp({
        options: trackingOptions({ ...site, consent: { categories: changed } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      const server = v2.getHttpServer();
      const config = (await request(server).get('/consent/config')).body;
      expect(config.policyVersion).toBe('1');
      expect(config.textHash).not.toBe(textHash);
      const on = (b: Agent) => ({
        cookie: ([] as string[])
          .concat(
            b.jar
              .getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false })
              .map((c) => c.toValueString()),
          )
          .join('; '),
      });
      const stateOf = async (b: Agent) => (await request(server).get('/consent').set('Cookie', on(b).cookie)).body;
      expect(await stateOf(shown)).toMatchObject({ needsConsent: true, decisions: { analytics: false } });
      expect(setCookies(await request(server).get('/demo/track').set('Cookie', on(shown).cookie)).set).toEqual([]);
      expect(await stateOf(legacy)).toMatchObject({ needsConsent: false, decisions: { analytics: true } });
      // The old hash is refused by the new text, the new one accepted.
      expect(
        (
          await request(server)
            .put('/consent')
            .set('Cookie', on(shown).cookie)
            .send({ choice: 'accept-all', policyVersion: '1', textHash })
        ).status,
      ).toBe(409);
      expect(
        (
          await request(server)
            .put('/consent')
            .set('Cookie', on(shown).cookie)
            .send({ choice: 'accept-all', policyVersion: '1', textHash: config.textHash })
        ).status,
      ).toBe(200);
    } finally {
      await v2.close();
    }
    expect(await tracked(legacy)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
  });
});

describe('texts per language', () => {
  const prefix2 = uniquePrefix('ctextl');
  const site2 = { ...site, database: { url: POSTGRES_URL, tablePrefix: prefix2 } };
  const german = (description: string) => ({ de: { categories: { marketing: { name: 'Marketing', description } } } });
  let en: INestApplication;

  beforeAll(async () => {
    en = (
      await bootLibraryApp({
        options: trackingOptions({ ...site2, consent: { translations: german('Personalisierte Werbung.') } }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
  });

  afterAll(async () => {
    await en?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix2);
  });

  it('GET /consent/config answers in the best language of Accept-Language that has texts, each with its own hash', async () => {
    const server = en.getHttpServer();
    const configIn = async (lang?: string) =>
      (
        await (
          lang
            ? request(server).get('/consent/config').set('Accept-Language', lang)
            : request(server).get('/consent/config')
        ).expect(200)
      ).body;
    const base = await configIn();
    const de = await configIn('fr;q=0.5, de');
    expect(base).toMatchObject({
      language: 'en',
      categories: expect.arrayContaining([
        expect.objectContaining({ key: 'marketing', description: 'Personalised advertising.' }),
      ]),
    });
    expect(de).toMatchObject({
      language: 'de',
      categories: expect.arrayContaining([
        expect.objectContaining({ key: 'marketing', description: 'Personalisierte Werbung.' }),
      ]),
    });
    expect(de.texts).toEqual({ en: { version: '1', hash: base.textHash }, de: { version: '1', hash: de.textHash } });
    expect(de.textHash).not.toBe(base.textHash);
    expect((await configIn('de-AT')).language).toBe('de');
    expect((await configIn('ja, de;q=0')).language).toBe('en');
  });

  it('a text change in German asks again the German viewers only', async () => {
    const server = en.getHttpServer();
    const hashIn = async (lang: string) =>
      (await request(server).get('/consent/config').set('Accept-Language', lang)).body.textHash as string;
    const decide = async (textHash: string) => {
      const res = await request(server)
        .put('/consent')
        .send({ choice: 'accept-all', policyVersion: '1', textHash })
        .expect(200);
      return setCookies(res)
        .raw.map((c) => c.split(';')[0])
        .join('; ');
    };
    const englishViewer = await decide(await hashIn('en'));
    const germanViewer = await decide(await hashIn('de'));

    const v2 = (
      await bootLibraryApp({
        options: trackingOptions({
          ...site2,
          consent: { translations: german('Personalisierte Werbung unserer Partner.') },
        }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    try {
      const stateOf = async (cookie: string) =>
        (await request(v2.getHttpServer()).get('/consent').set('Cookie', cookie)).body;
      expect(await stateOf(germanViewer)).toMatchObject({ needsConsent: true, decisions: { analytics: false } });
      expect(await stateOf(englishViewer)).toMatchObject({ needsConsent: false, decisions: { analytics: true } });
    } finally {
      await v2.close();
    }
  });
});
