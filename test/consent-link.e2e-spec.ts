import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentService, LoginListener } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { ConsentSessionSync } from '../src/consent/consent-session.sync.js';
import type { ConsentSnapshot } from '../src/consent/consent-subject.js';
import { ConsentContextService } from '../src/consent/consent-context.service.js';
import { ConsentHttpService } from '../src/consent/consent-http.service.js';
import { cookieHeaderOf } from './support/cookie-jar.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { countQueries, dropPrefixedTables, POSTGRES_URL, uniquePrefix } from './support/services.js';

/** Sessions as plain objects, and a sync that writes a user's snapshot into each of them (what the session feature will do in Redis). */
const sessions = new Map<string, { userId: string; consent?: ConsentSnapshot | null }>();
class InMemorySessionSync extends ConsentSessionSync {
  pushes = 0;
  async pushUserConsent(userId: string, snapshot: ConsentSnapshot | null): Promise<void> {
    this.pushes++;
    for (const s of sessions.values()) if (s.userId === userId) s.consent = snapshot;
  }
}
const sync = new InMemorySessionSync();

const prefix = uniquePrefix('clink');
const clock = new TestClock(JAN_1_2026);
let app: INestApplication;
let consent: ConsentService;

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: trackingOptions({ database: { url: POSTGRES_URL, tablePrefix: prefix } }),
      clock,
      controllers: [TrackController],
      appPipeAndFilter: true,
    })
  ).app;
  consent = app.get(ConsentService);
});
afterAll(async () => {
  await app?.close();
  await dropPrefixedTables(POSTGRES_URL, prefix);
});

function fakeReq(cookie: string | undefined, user?: { id: string }, session: Record<string, unknown> = {}): Request {
  return {
    headers: cookie ? { cookie } : {},
    user: user ? { ...user, username: user.id, roles: [] } : undefined,
    session,
    ip: '203.0.113.77',
  } as unknown as Request;
}

async function visitorDecides(body: object): Promise<string> {
  const res = await request(app.getHttpServer())
    .put('/consent')
    .send({ ...body, policyVersion: '1' })
    .expect(200);
  return cookieHeaderOf(res);
}

describe('linking the visitor decision to the user at login (service level)', () => {
  it('the login listener is the consent one', () => {
    expect(app.get(LoginListener).constructor.name).toBe('ConsentLoginListener');
  });

  it('a newer visitor decision replaces an older user decision; the link is an audit event (source login)', async () => {
    const user = { id: '00000000-0000-4000-8000-000000000001' };
    await consent.recordFor({ type: 'user', id: user.id }, { analytics: false, marketing: false, preferences: false });
    clock.advance(3_600_000);
    const cookie = await visitorDecides({ choice: 'accept-all' });
    const req = fakeReq(cookie);
    await app.get(LoginListener).afterLogin({ id: user.id, username: 'u', roles: [] }, req, {} as Response);
    const state = await consent.getStateOf({ type: 'user', id: user.id });
    expect(state.decisions).toEqual({ necessary: true, preferences: true, analytics: true, marketing: true });
    const history = await consent.history({ type: 'user', id: user.id });
    expect(history.map((h) => [h.action, h.source])).toEqual([
      ['refuse', 'api'],
      ['link', 'login'],
    ]);
    // The request after login is the user's, with the session holding the snapshot.
    expect((req.session as { consent?: ConsentSnapshot }).consent?.sub).toBe(`user:${user.id}`);
    expect((await consent.getState(req)).decisions.analytics).toBe(true);
    expect((await consent.verify({ type: 'user', id: user.id })).ok).toBe(true);
  });

  it('an older visitor accept is never revived over a newer user refusal', async () => {
    const user = { id: '00000000-0000-4000-8000-000000000002' };
    const cookie = await visitorDecides({ choice: 'accept-all' });
    clock.advance(3_600_000);
    await consent.recordFor({ type: 'user', id: user.id }, { analytics: false, marketing: false, preferences: false });
    await consent.linkVisitorToUser({ id: user.id, username: 'u', roles: [] }, fakeReq(cookie));
    expect((await consent.getStateOf({ type: 'user', id: user.id })).decisions).toEqual({
      necessary: true,
      preferences: false,
      analytics: false,
      marketing: false,
    });
    const history = await consent.history({ type: 'user', id: user.id });
    expect(history.map((h) => h.action)).toEqual(['refuse', 'link']);
    expect(history[1].decisions.analytics).toBe(false);
  });
});

describe('a user decision shared by all of the user’s sessions', () => {
  let withSync: INestApplication;
  beforeAll(async () => {
    withSync = (
      await bootLibraryApp({
        options: trackingOptions({ database: { url: POSTGRES_URL, tablePrefix: prefix } }),
        clock,
        // Sessions as plain objects here; the module's own binding writes them in the session store.
        overrides: [{ provide: ConsentSessionSync, useValue: sync }],
      })
    ).app;
  });
  afterAll(async () => withSync?.close());

  it('a change on one device reaches the other on its next request, with no SQL read on that request', async () => {
    const svc = withSync.get(ConsentService);
    const userId = '00000000-0000-4000-8000-000000000003';
    sessions.set('a', { userId });
    sessions.set('b', { userId });
    const reqA = () => fakeReq(undefined, { id: userId }, sessions.get('a') as Record<string, unknown>);
    const reqB = () => fakeReq(undefined, { id: userId }, sessions.get('b') as Record<string, unknown>);
    await withSync.get(ConsentContextService).resolveContext(reqA());
    await withSync.get(ConsentContextService).resolveContext(reqB());
    const queries = countQueries(withSync.get<DataSource>(AUTH_CONSENT_DATA_SOURCE));
    expect((await svc.getState(reqB())).needsConsent).toBe(true);
    expect(queries.count).toBe(0);

    const res = { append: () => undefined } as unknown as Response;
    await withSync
      .get(ConsentHttpService)
      .record(reqA(), res, { decisions: { analytics: true }, policyVersion: '1', source: 'settings' });
    expect(sync.pushes).toBeGreaterThan(0);
    queries.reset();
    const onB = await svc.getState(reqB());
    expect(onB.decisions.analytics).toBe(true);
    expect(queries.count).toBe(0);
  });

  it('a login pushes to the other sessions only when the visitor decision replaced the user record', async () => {
    const svc = withSync.get(ConsentService);
    const user = { id: '00000000-0000-4000-8000-000000000004', username: 'u', roles: [] };
    const visitorCookie = async (choice: string) => {
      const res = await request(withSync.getHttpServer())
        .put('/consent')
        .send({ choice, policyVersion: '1' })
        .expect(200);
      return cookieHeaderOf(res);
    };
    sessions.set('c', { userId: user.id });
    const before = sync.pushes;
    // No visitor decision: nothing to link, nothing to push; the new session still gets the user's record.
    const plain = fakeReq(undefined, user);
    const queries = countQueries(withSync.get<DataSource>(AUTH_CONSENT_DATA_SOURCE));
    await svc.linkVisitorToUser(user, plain);
    // One read of the user's record; the request's consent context is built from it, not read again.
    expect(queries.count).toBe(1);
    expect(sync.pushes).toBe(before);
    expect((plain.session as { consent?: unknown }).consent).toBeNull();
    // A newer visitor decision replaces the user's (none): it reaches the other session.
    clock.advance(1000);
    await svc.linkVisitorToUser(user, fakeReq(await visitorCookie('accept-all'), user));
    expect(sync.pushes).toBe(before + 1);
    expect(sessions.get('c')!.consent?.d.analytics).toBe(true);
    // An older visitor decision loses to the user's: a link event, no push.
    const older = await visitorCookie('reject-all');
    clock.advance(1000);
    await svc.recordFor({ type: 'user', id: user.id }, { analytics: true, marketing: true, preferences: true });
    const pushesAfterRecord = sync.pushes;
    await svc.linkVisitorToUser(user, fakeReq(older, user));
    expect(sync.pushes).toBe(pushesAfterRecord);
    expect((await svc.history({ type: 'user', id: user.id })).map((h) => h.action)).toEqual(['link', 'update', 'link']);
  });
});
