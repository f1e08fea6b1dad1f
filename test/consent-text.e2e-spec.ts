import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AuthService } from '../src/index.js';
import { DEMO_CONSENT_CATEGORIES } from '../src/demo/demo-config.js';
import { FAST_ARGON2 } from './support/auth-app.js';
import { AUDIT_SECRET, bootDemoWithClock, setCookies, TestClock } from './support/consent.js';
import { dropPrefixedTables, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const prefix = uniquePrefix('ctext');
const env = { DATABASE_URL: POSTGRES_URL, TABLE_PREFIX: prefix, SESSION_SECRET: TEST_SECRET, CONSENT_AUDIT_SECRET: AUDIT_SECRET, CONSENT_POLICY_VERSION: '1' };
const clock = new TestClock();
const PASSWORD = 'text test password';
let app: INestApplication;
let http: ReturnType<INestApplication['getHttpServer']>;
let textHash: string;
type Agent = ReturnType<typeof request.agent>;

beforeAll(async () => {
  app = await bootDemoWithClock(env, clock, (o) => ({ ...o, auth: { ...o.auth, argon2: FAST_ARGON2 } }));
  http = app.getHttpServer();
  textHash = (await request(http).get('/consent/config').expect(200)).body.textHash;
});

afterAll(async () => {
  await app?.close();
  await dropPrefixedTables(POSTGRES_URL, prefix);
});

async function eventCount(): Promise<number> {
  const [{ n }] = await app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE).query(`SELECT COUNT(*)::int AS n FROM "${prefix}consent_events"`);
  return n;
}

const tracked = async (b: Agent) => setCookies(await b.get('/demo/track').expect(200)).set;

/** Proof of what was shown: the text hash a decision was made on, checked, recorded, and a changed text asks again. */
describe('text version and hash', () => {
  it('GET /consent/config publishes the text version and hash per language', async () => {
    const config = (await request(http).get('/consent/config').expect(200)).body;
    expect(config).toMatchObject({ language: 'en', textHash: expect.stringMatching(/^[0-9a-f]{64}$/), texts: { en: { version: '1', hash: config.textHash } } });
  });

  it('a wrong text hash is a 409 and a malformed one a 400; nothing is written', async () => {
    const before = await eventCount();
    const b = request.agent(http);
    const stale = await b.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash: 'a'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.body.message).toMatch(/textHash 'a{64}' is not the hash of the current text/);
    expect(setCookies(stale).raw).toEqual([]);
    expect((await b.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash: 'nope' })).status).toBe(400);
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
    expect(receipt.notice).toMatchObject({ text_hash: textHash, language: 'en', texts: { en: { version: '1', hash: textHash } } });
    expect(receipt.chain.verification.ok).toBe(true);
  });

  it('a changed category text (same policy version) asks again those who saw the old text; a decision that named no text stands', async () => {
    const shown = request.agent(http);
    await shown.put('/consent').send({ choice: 'accept-all', policyVersion: '1', textHash }).expect(200);
    const legacy = request.agent(http);
    await legacy.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);

    const changed = DEMO_CONSENT_CATEGORIES.map((c) => (c.key === 'marketing' ? { ...c, description: 'Personalised advertising by our partners.' } : c));
    const v2 = await bootDemoWithClock(env, clock, (o) => ({ ...o, consent: { ...o.consent, categories: changed } }));
    try {
      const server = v2.getHttpServer();
      const config = (await request(server).get('/consent/config')).body;
      expect(config.policyVersion).toBe('1');
      expect(config.textHash).not.toBe(textHash);
      const on = (b: Agent) => ({ cookie: ([] as string[]).concat(b.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false }).map((c) => c.toValueString())).join('; ') });
      const stateOf = async (b: Agent) => (await request(server).get('/consent').set('Cookie', on(b).cookie)).body;
      expect(await stateOf(shown)).toMatchObject({ needsConsent: true, decisions: { analytics: false } });
      expect(setCookies(await request(server).get('/demo/track').set('Cookie', on(shown).cookie)).set).toEqual([]);
      expect(await stateOf(legacy)).toMatchObject({ needsConsent: false, decisions: { analytics: true } });
      // The old hash is refused by the new text, the new one accepted.
      expect((await request(server).put('/consent').set('Cookie', on(shown).cookie).send({ choice: 'accept-all', policyVersion: '1', textHash })).status).toBe(409);
      expect((await request(server).put('/consent').set('Cookie', on(shown).cookie).send({ choice: 'accept-all', policyVersion: '1', textHash: config.textHash })).status).toBe(200);
    } finally {
      await v2.close();
    }
    expect(await tracked(legacy)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
  });
});
