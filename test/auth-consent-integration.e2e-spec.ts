import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AuthService } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { ConsentEventCategoryEntity } from '../src/consent/consent-event-category.entity.js';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { TestClock } from './support/clock.js';
import { setCookies } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import {
  countQueries,
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  uniquePrefix,
} from './support/services.js';

const MINUTE = 60_000;

/** Login and consent meeting over HTTP: the visitor's decision follows the login, a user's decision follows the user. */
describe('login and consent together (PostgreSQL + Redis)', () => {
  const prefix = uniquePrefix('int');
  const redisPrefix = `${prefix}r:`;
  const clock = new TestClock(Date.now());
  let app: INestApplication;
  let http: ReturnType<INestApplication['getHttpServer']>;

  const login = (agent: ReturnType<typeof request.agent>, username: string) =>
    agent.post('/auth/login').send({ username, password: 'correct horse battery' }).expect(200);

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: trackingOptions({
          database: { url: POSTGRES_URL, tablePrefix: prefix },
          redisUrl: REDIS_URL,
          redisPrefix,
          auth: { argon2: FAST_ARGON2 },
        }),
        clock,
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    http = app.getHttpServer();
    const auth = app.get(AuthService);
    await auth.createUser('ada', 'correct horse battery');
    await auth.createUser('bob', 'correct horse battery');
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('links the visitor decision to the user at login, as an audit event, and keeps it on the new session', async () => {
    const laptop = request.agent(http);
    await laptop
      .put('/consent')
      .send({ decisions: { preferences: false, analytics: true, marketing: false }, policyVersion: '1' })
      .expect(200);
    clock.advance(MINUTE);
    await login(laptop, 'ada');

    const state = (await laptop.get('/consent').expect(200)).body;
    expect(state).toMatchObject({
      needsConsent: false,
      decisions: { necessary: true, analytics: true, preferences: false, marketing: false },
    });
    const history = (await laptop.get('/consent/history').expect(200)).body as Array<{
      action: string;
      source: string;
    }>;
    expect(history.map((e) => [e.action, e.source])).toContainEqual(['link', 'login']);

    // The gate now works from the signed-in user's decision: exactly the analytics cookie passes.
    expect(setCookies(await laptop.get('/demo/track').expect(200)).set).toEqual(['demo_analytics']);

    // Every event written is indexed by category in the same transaction (the admin filter and stats read it).
    const ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    const events = await ds.getRepository(ConsentEventEntity).count();
    const indexed = await ds
      .getRepository(ConsentEventCategoryEntity)
      .createQueryBuilder('c')
      .select('COUNT(DISTINCT c.eventId)', 'n')
      .getRawOne<{ n: string }>();
    expect(events).toBeGreaterThanOrEqual(2);
    expect(Number(indexed!.n)).toBe(events);
  });

  it("applies a user's change on one device to the user's other sessions at their next request, with no SQL", async () => {
    const laptop = request.agent(http);
    const phone = request.agent(http);
    await login(laptop, 'ada');
    await login(phone, 'ada');
    expect(setCookies(await phone.get('/demo/track').expect(200)).set).toEqual(['demo_analytics']);

    clock.advance(MINUTE);
    await laptop.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);

    const queries = countQueries(app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE));
    const track = await phone.get('/demo/track').expect(200);
    expect(setCookies(track).set).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);
    expect((await phone.get('/consent').expect(200)).body.decisions).toMatchObject({
      preferences: true,
      analytics: true,
      marketing: true,
    });
    // The decision comes from the session, the user from the short-lived user cache: no SQL at all.
    expect(queries.count).toBe(0);
  });

  it('never revives an older visitor accept over a newer user refusal', async () => {
    const kiosk = request.agent(http);
    await kiosk.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);

    clock.advance(MINUTE);
    const desk = request.agent(http);
    await login(desk, 'bob');
    await desk.put('/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);

    clock.advance(MINUTE);
    await login(kiosk, 'bob');
    expect((await kiosk.get('/consent').expect(200)).body.decisions).toMatchObject({
      preferences: false,
      analytics: false,
      marketing: false,
    });
    expect(setCookies(await kiosk.get('/demo/track').expect(200)).set).toEqual([]);
  });

  it('keeps the decision after logout as the visitor it was, and a revoked session stops carrying it', async () => {
    const agent = request.agent(http);
    await login(agent, 'bob');
    await agent.post('/auth/logout').expect(204);
    await agent.get('/auth/me').expect(401);
    // Signed out without a visitor decision of its own: undecided again, nothing optional passes.
    expect(setCookies(await agent.get('/demo/track').expect(200)).set).toEqual([]);
  });
});
