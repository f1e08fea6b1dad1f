import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  type ExecutionContext,
  Get,
  Inject,
  Injectable,
  type INestApplication,
  Post,
  Req,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard, PassportModule, PassportSerializer, PassportStrategy } from '@nestjs/passport';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import { Session } from 'express-session';
import { Strategy as LocalStrategyBase } from 'passport-local';
import { Strategy as OAuth2StrategyBase } from 'passport-oauth2';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import { AuthenticatedGuard, AuthService, LoginSessionService, SessionService, type AuthUser } from '../src/index.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { indexKeyOf } from './support/session-keys.js';
import { FakeOAuth2Server } from './support/fake-oauth2-server.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const tablePrefix = uniquePrefix('eco');
const redisPrefix = `${tablePrefix}:`;
const PASSWORD = 'correct horse battery';
const OAUTH = Symbol('oauth server url');
const oauth = new FakeOAuth2Server();

/** The NestJS docs' session recipe: a local strategy of the app's own, `super.logIn(req)`, a serializer that stores the whole user. */
@Injectable()
class AppLocalStrategy extends PassportStrategy(LocalStrategyBase, 'app-local') {
  constructor(private readonly auth: AuthService) {
    super();
  }

  async validate(username: string, password: string): Promise<AuthUser> {
    const user = await this.auth.verifyCredentials(username, password);
    if (!user) throw new UnauthorizedException();
    return user;
  }
}

@Injectable()
class LocalAuthGuard extends AuthGuard('app-local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

@Injectable()
class AppSerializer extends PassportSerializer {
  serializeUser(user: unknown, done: (err: unknown, user?: unknown) => void): void {
    done(null, user);
  }

  deserializeUser(payload: unknown, done: (err: unknown, payload?: unknown) => void): void {
    done(null, payload);
  }
}

/** An OAuth2 login (passport-oauth2, `state` kept in the session) whose users are the module's. */
@Injectable()
class AppOAuth2Strategy extends PassportStrategy(OAuth2StrategyBase, 'fake-oauth2') {
  constructor(
    @Inject(OAUTH) base: string,
    private readonly auth: AuthService,
  ) {
    super({
      authorizationURL: `${base}/authorize`,
      tokenURL: `${base}/token`,
      clientID: 'app',
      clientSecret: 'secret',
      callbackURL: 'http://127.0.0.1/oauth/callback',
      state: true,
    });
  }

  async validate(accessToken: string): Promise<AuthUser> {
    const username = oauth.userOf(accessToken);
    const user = username ? await this.auth.findByUsername(username) : null;
    if (!user) throw new UnauthorizedException();
    return { id: user.id, username: user.username, roles: user.roles };
  }
}

@Injectable()
class OAuthGuard extends AuthGuard('fake-oauth2') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const result = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return result;
  }
}

@Controller()
class EcosystemController {
  constructor(
    private readonly logins: LoginSessionService,
    private readonly auth: AuthService,
  ) {}

  /** What express-session gives a route. */
  @Get('probe/session')
  session(@Req() req: Request) {
    const s = req.session;
    return {
      isSession: s instanceof Session,
      methods: ['regenerate', 'save', 'destroy', 'reload', 'touch'].filter(
        (m) => typeof (s as unknown as Record<string, unknown>)[m] === 'function',
      ),
      cookie: { httpOnly: s.cookie.httpOnly, path: s.cookie.path },
      sessionID: typeof req.sessionID === 'string' && req.sessionID.length > 0,
      store: req.sessionStore instanceof RedisStore,
    };
  }

  @Post('recipe/login')
  @UseGuards(LocalAuthGuard)
  recipeLogin(@Req() req: Request) {
    return { user: req.user };
  }

  @Post('recipe/logout')
  async recipeLogout(@Req() req: Request): Promise<{ ok: true }> {
    await new Promise<void>((resolve, reject) => req.logOut((err) => (err ? reject(err) : resolve())));
    return { ok: true };
  }

  @Get('oauth/start')
  @UseGuards(OAuthGuard)
  oauthStart(): void {}

  @Get('oauth/callback')
  @UseGuards(OAuthGuard)
  oauthCallback(@Req() req: Request) {
    return { user: req.user };
  }

  /** An app that authenticated the user itself (a magic link) signs them in through the public API. */
  @Post('magic/:username')
  async magic(@Req() req: Request): Promise<{ user: AuthUser }> {
    const found = await this.auth.findByUsername(req.params.username as string);
    if (!found) throw new UnauthorizedException();
    return { user: await this.logins.logIn(req, { id: found.id }) };
  }

  /** Passport serializes something that names no user. */
  @Post('odd/login')
  async odd(@Req() req: Request): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.logIn({ name: 'no id' } as never, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** A careless route that copies the request body into the session. */
  @Post('careless')
  careless(@Req() req: Request): { ok: true } {
    Object.assign(req.session, req.body);
    return { ok: true };
  }

  @Post('guest/cart')
  cart(@Req() req: Request): { ok: true } {
    Object.assign(req.session, { cart: ['book'], returnTo: '/checkout' });
    return { ok: true };
  }

  @Get('guest/cart')
  @UseGuards(AuthenticatedGuard)
  readCart(@Req() req: Request) {
    const s = req.session as unknown as Record<string, unknown>;
    return { cart: s.cart ?? null, returnTo: s.returnTo ?? null };
  }
}

/** The app around the module: @nestjs/passport with sessions, its own strategies, serializer and routes. */
const ecosystemApp = {
  options: {
    environment: 'test',
    redis: { url: REDIS_URL },
    database: { url: POSTGRES_URL, tablePrefix },
    session: { secret: TEST_SECRET, redisPrefix, keepOnLogin: ['cart'] },
    auth: { argon2: FAST_ARGON2 },
  },
  imports: [PassportModule.register({ session: true })],
  controllers: [EcosystemController],
  providers: [{ provide: OAUTH, useFactory: () => oauth.url }, AppLocalStrategy, AppSerializer, AppOAuth2Strategy],
};

let app: INestApplication;
let redis: RedisClientType;
let auth: AuthService;
const http = () => request(app.getHttpServer());

async function sessionsOf(cookie: string): Promise<Array<{ handle: string; current: boolean }>> {
  const res = await http().get('/auth/sessions').set('Cookie', cookie).expect(200);
  return res.body as Array<{ handle: string; current: boolean }>;
}

describe('express-session, connect-redis and Passport as a NestJS app uses them', () => {
  beforeAll(async () => {
    await oauth.start();
    app = (await bootLibraryApp(ecosystemApp)).app;
    auth = app.get(AuthService);
    await auth.createUser('recipe', PASSWORD);
    await auth.createUser('oauth-user', PASSWORD);
    await auth.createUser('magic', PASSWORD);
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.close();
    await oauth.stop();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it("gives routes express-session's Session (all its methods, cookie), req.sessionID and connect-redis's store", async () => {
    const res = await http().get('/probe/session').expect(200);
    expect(res.body).toEqual({
      isSession: true,
      methods: ['regenerate', 'save', 'destroy', 'reload', 'touch'],
      cookie: { httpOnly: true, path: '/' },
      sessionID: true,
      store: true,
    });
    // Nothing was put in it: no session is stored and no cookie is sent.
    expect(sessionCookie(res)).toBeUndefined();
  });

  it("signs in through the NestJS docs recipe (AuthGuard + super.logIn + the app's serializer) with a full module session", async () => {
    const guest = await http().post('/guest/cart').expect(201);
    const guestCookie = sessionCookie(guest)!;
    const res = await http()
      .post('/recipe/login')
      .set('Cookie', guestCookie)
      .send({ username: 'recipe', password: PASSWORD })
      .expect(201);
    const cookie = sessionCookie(res)!;
    expect(cookie).toBeDefined();
    expect(cookie).not.toBe(guestCookie); // a new session ID
    // The guest session is gone from the store at once.
    await http().get('/guest/cart').set('Cookie', guestCookie).expect(401);
    const user = (await auth.findByUsername('recipe'))!;
    // Indexed, listed, current.
    const listed = await sessionsOf(cookie);
    expect(listed).toHaveLength(1);
    expect(listed[0].current).toBe(true);
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(1);
    // keepOnLogin: the cart survives, other guest keys do not.
    expect((await http().get('/guest/cart').set('Cookie', cookie).expect(200)).body).toEqual({
      cart: ['book'],
      returnTo: null,
    });
    // Signed-in reads resolve the user through the UserStore.
    expect((await http().get('/auth/me').set('Cookie', cookie).expect(200)).body.user).toEqual({
      id: user.id,
      username: 'recipe',
      roles: [],
    });
    // Revocable like any module session.
    await app.get(SessionService).revokeAllForUser(user.id);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
  });

  it('leaves the throttle counters alone when Passport signs a user in', async () => {
    for (let i = 0; i < 3; i++)
      await http().post('/auth/login').send({ username: 'recipe', password: 'wrong password!' }).expect(401);
    await http().post('/recipe/login').send({ username: 'recipe', password: PASSWORD }).expect(201);
    const throttleKeys: string[] = [];
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*throttle*`, COUNT: 500 }))
      throttleKeys.push(...keys);
    expect(throttleKeys.length).toBeGreaterThan(0); // the failures are still counted
  });

  it('signs out through req.logOut: the session leaves the store and the index', async () => {
    const res = await http().post('/recipe/login').send({ username: 'recipe', password: PASSWORD }).expect(201);
    const cookie = sessionCookie(res)!;
    const user = (await auth.findByUsername('recipe'))!;
    const before = await redis.zCard(indexKeyOf(redisPrefix, user.id));
    await http().post('/recipe/logout').set('Cookie', cookie).expect(201);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
    expect(await redis.zCard(indexKeyOf(redisPrefix, user.id))).toBe(before - 1);
  });

  it('signs in with passport-oauth2 against an OAuth2 server on loopback, its state kept in a guest session', async () => {
    const start = await http().get('/oauth/start').expect(302);
    const stateCookie = sessionCookie(start)!;
    expect(stateCookie).toBeDefined(); // the route wrote req.session (the state), so it got a session
    const authorize = await fetch(start.headers.location as string, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const res = await http().get(`/oauth/callback${callback.search}`).set('Cookie', stateCookie).expect(200);
    const cookie = sessionCookie(res)!;
    expect(cookie).not.toBe(stateCookie);
    expect(res.body.user.username).toBe('oauth-user');
    const listed = await sessionsOf(cookie);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    // A forged state is refused, and signs nobody in.
    const again = await http().get('/oauth/start').expect(302);
    const forged = await http()
      .get('/oauth/callback?code=code-x&state=forged')
      .set('Cookie', sessionCookie(again)!)
      .expect(401);
    expect(sessionCookie(forged)).toBeUndefined();
  });

  it('signs in a user the app authenticated itself through LoginSessionService.logIn', async () => {
    const res = await http().post('/magic/magic').expect(201);
    const cookie = sessionCookie(res)!;
    expect((await http().get('/auth/me').set('Cookie', cookie).expect(200)).body.user.username).toBe('magic');
    expect(await sessionsOf(cookie)).toHaveLength(1);
    // A disabled user is refused with a 401, and nothing is stored.
    const user = (await auth.findByUsername('magic'))!;
    await auth.disableUser(user.id);
    const refused = await http().post('/magic/magic').expect(401);
    expect(sessionCookie(refused)).toBeUndefined();
  });

  it("signs nobody in when a route copies an attacker's body (Passport's user, the login facts) into a session", async () => {
    const victim = (await auth.findByUsername('recipe'))!;
    const victimKeys = async () => {
      const found: string[] = [];
      for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*:${victim.id}`, COUNT: 500 }))
        found.push(...keys);
      return found.sort();
    };
    const before = await victimKeys();
    const now = Date.now();
    const forged = {
      passport: { user: victim.id },
      authConsent: { createdAt: now, lastSeenAt: now, absoluteExpiresAt: now + 3_600_000, remember: true },
    };
    // As a guest (a new session), and again inside the session once it is stored.
    const cookie = sessionCookie(await http().post('/careless').send(forged).expect(201))!;
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
    await http().post('/careless').set('Cookie', cookie).send(forged).expect(201);
    await http().get('/auth/me').set('Cookie', cookie).expect(401);
    await http().get('/guest/cart').set('Cookie', cookie).expect(401);
    // Nothing was indexed or keyed under the victim's ID.
    expect(await victimKeys()).toEqual(before);
  });

  it('answers a clear 400, never a 500, when Passport serialized something that names no user', async () => {
    const res = await http().post('/odd/login').expect(400);
    expect(res.body.message).toMatch(/Passport serialized the user/);
    expect(sessionCookie(res)).toBeUndefined();
  });
});
