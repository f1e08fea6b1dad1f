import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, HttpCode, type INestApplication, Post, Req, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { TestClock } from './support/clock.js';
import { setCookies } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';
import { deleteRedisPrefix, dropPrefixedTables, POSTGRES_URL, REDIS_URL, uniquePrefix } from './support/services.js';

/**
 * Issue 15 item 2: a withdrawal made while signed in must not be undone on that browser by signing out. Each
 * test is a browser (a supertest agent keeps and expires cookies as a browser does) that grants as a visitor,
 * signs in, withdraws (here or on another browser of the same user) and signs out; the signed-out browser's
 * own cookies must then let no non-essential cookie of GET /demo/track through.
 */

const MINUTE = 60_000;
const PASSWORD = 'correct horse battery';
const OPTIONAL = ['demo_ads', 'demo_analytics', 'demo_theme'];
type Agent = ReturnType<typeof request.agent>;

/** An app's own sign-in and sign-out through Passport (`req.logIn`, `req.logOut`), as the Passport docs show. */
@Controller('app')
class PassportRoutes {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @HttpCode(200)
  async login(@Req() req: Request): Promise<{ ok: true }> {
    const body = req.body as { username: string; password: string };
    const user = await this.auth.verifyCredentials(body.username, body.password);
    if (!user) throw new UnauthorizedException();
    await new Promise<void>((resolve, reject) => req.logIn(user, (err) => (err ? reject(err) : resolve())));
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request): Promise<void> {
    await new Promise<void>((resolve, reject) => req.logOut((err) => (err ? reject(err) : resolve())));
  }
}

async function grantAll(browser: Agent): Promise<void> {
  await browser.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
  // The visitor's grant works before anything else happens (the baseline the attack starts from).
  expect(setCookies(await browser.get('/demo/track').expect(200)).set).toEqual(OPTIONAL);
}

/** What GET /demo/track manages to set on this browser: the cookies the gate let through. */
async function tracked(browser: Agent): Promise<string[]> {
  return setCookies(await browser.get('/demo/track').expect(200)).set;
}

describe('signing out leaves the browser no grant the user withdrew (library app, PostgreSQL + Redis)', () => {
  const prefix = uniquePrefix('cso');
  const redisPrefix = `${prefix}r:`;
  const clock = new TestClock(Date.now());
  let app: INestApplication;
  let http: ReturnType<INestApplication['getHttpServer']>;
  let n = 0;

  const browser = () => request.agent(http);
  /** A fresh user for each test, so no test sees another's decision. */
  async function newUser(): Promise<string> {
    const username = `user${++n}`;
    await app.get(AuthService).createUser(username, PASSWORD);
    return username;
  }
  const logIn = (b: Agent, username: string) =>
    b.post('/auth/login').send({ username, password: PASSWORD }).expect(200);
  const logOut = (b: Agent) => b.post('/auth/logout').expect(204);

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
        controllers: [TrackController, PassportRoutes],
        appPipeAndFilter: true,
      })
    ).app;
    http = app.getHttpServer();
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('grant as visitor → log in → DELETE /consent → log out: /demo/track sets no non-essential cookie', async () => {
    const user = await newUser();
    const laptop = browser();
    await grantAll(laptop);
    clock.advance(MINUTE);
    await logIn(laptop, user);
    clock.advance(MINUTE);
    await laptop.delete('/consent').expect(200);
    expect(await tracked(laptop)).toEqual([]);
    await logOut(laptop);
    await laptop.get('/auth/me').expect(401);
    expect(await tracked(laptop)).toEqual([]);
    expect((await laptop.get('/consent').expect(200)).body.decisions).toMatchObject({
      preferences: false,
      analytics: false,
      marketing: false,
    });
  });

  it('a partial withdrawal while signed in (PUT analytics:false) is not undone by signing out', async () => {
    const user = await newUser();
    const laptop = browser();
    await grantAll(laptop);
    await logIn(laptop, user);
    clock.advance(MINUTE);
    await laptop
      .put('/consent')
      .send({ decisions: { analytics: false }, policyVersion: '1' })
      .expect(200);
    expect(await tracked(laptop)).toEqual(['demo_ads', 'demo_theme']);
    await logOut(laptop);
    expect(await tracked(laptop)).not.toContain('demo_analytics');
  });

  it('two browsers of one user: a withdrawal on B holds on A once A signs out', async () => {
    const user = await newUser();
    const a = browser();
    const b = browser();
    await grantAll(a);
    await logIn(a, user);
    expect(await tracked(a)).toEqual(OPTIONAL); // the visitor's grant, linked to the user
    await logIn(b, user);
    clock.advance(MINUTE);
    await b.delete('/consent').expect(200);
    expect(await tracked(a)).toEqual([]); // pushed to A's session
    await logOut(a);
    expect(await tracked(a)).toEqual([]);
  });

  it("two browsers: a withdrawal on B holds on A when A's session ends without a logout (revoked)", async () => {
    const user = await newUser();
    const a = browser();
    const b = browser();
    await grantAll(a);
    await logIn(a, user);
    await logIn(b, user);
    clock.advance(MINUTE);
    await b.delete('/consent').expect(200);
    await b.delete('/auth/sessions').expect(204); // signs every other session (A) out
    await a.get('/auth/me').expect(401);
    expect(await tracked(a)).toEqual([]);
  });

  it("Passport's req.logIn / req.logOut in the app: a withdrawal while signed in survives the sign-out", async () => {
    const user = await newUser();
    const laptop = browser();
    await grantAll(laptop);
    await laptop.post('/app/login').send({ username: user, password: PASSWORD }).expect(200);
    await laptop.get('/auth/me').expect(200);
    clock.advance(MINUTE);
    await laptop.delete('/consent').expect(200);
    await laptop.post('/app/logout').expect(204);
    await laptop.get('/auth/me').expect(401);
    expect(await tracked(laptop)).toEqual([]);
  });

  it("Passport's req.logOut on browser A after a withdrawal on browser B", async () => {
    const user = await newUser();
    const a = browser();
    const b = browser();
    await grantAll(a);
    await a.post('/app/login').send({ username: user, password: PASSWORD }).expect(200);
    await logIn(b, user);
    clock.advance(MINUTE);
    await b.put('/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);
    await a.post('/app/logout').expect(204);
    await a.get('/auth/me').expect(401);
    expect(await tracked(a)).toEqual([]);
  });

  it("a grant made while signed in does not follow the browser after sign-out (it is the user's, not the next visitor's)", async () => {
    const user = await newUser();
    const laptop = browser();
    await laptop.put('/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);
    await logIn(laptop, user);
    clock.advance(MINUTE);
    await laptop.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
    expect(await tracked(laptop)).toEqual(OPTIONAL);
    await logOut(laptop);
    expect(await tracked(laptop)).toEqual([]);
    // The browser's own refusal as a visitor still stands: it is not asked again.
    expect((await laptop.get('/consent').expect(200)).body).toMatchObject({
      needsConsent: false,
      decisions: { analytics: false },
    });
  });

  describe('a signed-in browser that still holds a granting visitor cookie (one signed in before this release)', () => {
    /** The visitor cookie of an accept-all visitor, and a session of `user` made without it. */
    async function preReleaseBrowser(user: string): Promise<{ visitor: string; sid: string }> {
      const grant = await request(http).put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
      const visitor = setCookies(grant)
        .raw.find((c) => c.startsWith('consent_visitor='))!
        .split(';')[0];
      const login = await request(http).post('/auth/login').send({ username: user, password: PASSWORD }).expect(200);
      const sid = setCookies(login)
        .raw.find((c) => c.startsWith('sid='))!
        .split(';')[0];
      return { visitor, sid };
    }
    const expiresVisitor = (res: { headers: Record<string, unknown> }) =>
      expect(setCookies(res).expired).toContain('consent_visitor');

    it('POST /auth/logout expires it', async () => {
      const { visitor, sid } = await preReleaseBrowser(await newUser());
      expiresVisitor(await request(http).post('/auth/logout').set('Cookie', `${visitor}; ${sid}`).expect(204));
    });

    it("Passport's req.logOut expires it", async () => {
      const { visitor, sid } = await preReleaseBrowser(await newUser());
      expiresVisitor(await request(http).post('/app/logout').set('Cookie', `${visitor}; ${sid}`).expect(204));
      await request(http).get('/auth/me').set('Cookie', sid).expect(401);
    });

    it('a decision taken while signed in expires it in the same response (DELETE and PUT)', async () => {
      const user = await newUser();
      const first = await preReleaseBrowser(user);
      expiresVisitor(
        await request(http).delete('/consent').set('Cookie', `${first.visitor}; ${first.sid}`).expect(200),
      );
      const second = await preReleaseBrowser(user);
      expiresVisitor(
        await request(http)
          .put('/consent')
          .set('Cookie', `${second.visitor}; ${second.sid}`)
          .send({ decisions: { analytics: false }, policyVersion: '1' })
          .expect(200),
      );
    });

    it('a visitor cookie that grants nothing is kept by the login and the logout', async () => {
      const refusal = await request(http)
        .put('/consent')
        .send({ choice: 'reject-all', policyVersion: '1' })
        .expect(200);
      const visitor = setCookies(refusal)
        .raw.find((c) => c.startsWith('consent_visitor='))!
        .split(';')[0];
      const login = await request(http)
        .post('/auth/login')
        .set('Cookie', visitor)
        .send({ username: await newUser(), password: PASSWORD })
        .expect(200);
      expect(setCookies(login).expired).not.toContain('consent_visitor');
      const sid = setCookies(login)
        .raw.find((c) => c.startsWith('sid='))!
        .split(';')[0];
      expect(
        setCookies(await request(http).post('/auth/logout').set('Cookie', `${visitor}; ${sid}`).expect(204)).expired,
      ).not.toContain('consent_visitor');
    });
  });

  it('the raw responses: the login consumes a granting visitor cookie, and the visitor decision is linked first', async () => {
    const user = await newUser();
    const laptop = browser();
    await grantAll(laptop);
    const login = await logIn(laptop, user);
    expect(setCookies(login).expired).toContain('consent_visitor');
    // The grant went to the user at login (the link event), so the signed-in browser keeps it.
    expect(await tracked(laptop)).toEqual(OPTIONAL);
    const history = (await laptop.get('/consent/history').expect(200)).body as Array<{
      action: string;
      source: string;
    }>;
    expect(history.map((e) => [e.action, e.source])).toEqual([['link', 'login']]);
  });
});
