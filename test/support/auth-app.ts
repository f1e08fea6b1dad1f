import { Controller, Get, type INestApplication, Module, Post, Req, Res, UseGuards, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import type { Response as TestResponse } from 'supertest';
import { sessionKey, userKey } from '../../src/session/redis-session.store.js';
import { UserTags } from '../../src/session/session-id.js';
import { TEST_SECRET } from './services.js';
import { AuthConsentModule, AuthenticatedGuard, LoginListener, Roles, RolesGuard, type AuthConsentModuleOptions } from '../../src/index.js';
import { Clock } from '../../src/common/clock.js';
import { sessionHandle } from '../../src/session/session-id.js';

/** A login listener that does nothing: isolates the session layer's own allow-list from the consent feature. */
declare module 'express-session' {
  interface SessionData {
    /** What the probe routes keep in a session. */
    note?: string;
    cart?: unknown;
  }
}

export const NO_LOGIN_LISTENER: LoginListener = { afterLogin: async () => undefined };

/** A Clock the test moves by hand. */
export class ManualClock extends Clock {
  constructor(public t = Date.now()) {
    super();
  }

  now(): number {
    return this.t;
  }

  advance(ms: number): void {
    this.t += ms;
  }
}

/** A gate a test opens to let a held request finish. */
export class Gate {
  entered!: Promise<void>;
  private enter!: () => void;
  private release!: () => void;
  private released!: Promise<void>;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.entered = new Promise((r) => (this.enter = r));
    this.released = new Promise((r) => (this.release = r));
  }

  async hold(): Promise<void> {
    this.enter();
    await this.released;
  }

  open(): void {
    this.release();
  }
}

export const gate = new Gate();

@Controller('test')
class ProbeController {
  @Get('public')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('private')
  @UseGuards(AuthenticatedGuard)
  private(@Req() req: Request): unknown {
    return { user: req.user };
  }

  @Get('admin')
  @Roles('admin')
  @UseGuards(RolesGuard)
  admin(): { ok: true } {
    return { ok: true };
  }

  /** Pre-login session data (what the consent feature keeps) plus a key that must not survive login. */
  @Post('visitor')
  visitor(@Req() req: Request): { ok: true } {
    const body = req.body as { consent?: unknown } | undefined;
    Object.assign(req.session!, { consent: body?.consent ?? { analytics: true }, cart: 'x' });
    return { ok: true };
  }

  /** Puts data in the session and writes its own headers with writeHead (or Node's alias writeHeader). */
  @Post('raw-headers')
  rawHeaders(@Req() req: Request, @Res() res: Response): void {
    req.session!.note = 'set before raw headers';
    const alias = (res as unknown as { writeHeader: Response['writeHead'] }).writeHeader;
    const write = (req.query.alias === '1' ? alias : res.writeHead).bind(res);
    write(200, { 'Cache-Control': 'public, max-age=60', 'Set-Cookie': 'app_pref=1; Path=/', 'Content-Type': 'text/plain' });
    res.end('raw');
  }

  /** A signed-in request that changes its session and waits for the test before answering. */
  @Get('slow')
  @UseGuards(AuthenticatedGuard)
  async slow(@Req() req: Request): Promise<{ ok: true }> {
    req.session!.note = 'written by the slow request';
    await gate.hold();
    return { ok: true };
  }
}

@Module({})
class ProbeModule {
  static with(options: AuthConsentModuleOptions): DynamicModule {
    return { module: ProbeModule, imports: [AuthConsentModule.forRoot(options)], controllers: [ProbeController] };
  }
}

/** Low argon2 cost for tests that are not about hashing cost. */
export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** Boots the module with a probe controller (no global pipe or filter: the module's controllers must stand alone). */
export async function bootAuthApp(options: AuthConsentModuleOptions, clock?: Clock, loginListener?: LoginListener): Promise<INestApplication> {
  let builder = Test.createTestingModule({ imports: [ProbeModule.with(options)] });
  if (clock) builder = builder.overrideProvider(Clock).useValue(clock);
  if (loginListener) builder = builder.overrideProvider(LoginListener).useValue(loginListener);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return app;
}

/** The `name=value` pair of the session cookie in a response, or undefined. */
export function sessionCookie(res: TestResponse, name = 'sid'): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  const line = raw?.find((c) => c.startsWith(`${name}=`));
  return line?.split(';')[0];
}

/** The full Set-Cookie line of the session cookie. */
export function sessionCookieLine(res: TestResponse, name = 'sid'): string | undefined {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return raw?.find((c) => c.startsWith(`${name}=`));
}

/** The Redis key of the session a `name=value` session cookie names. */
export function sessionKeyOf(prefix: string, cookie: string): string {
  return sessionKey(prefix, sessionHandle(rawSessionId(cookie)));
}

/** The Redis key of a user's session index (the tag is keyed by the last session secret). */
export function indexKeyOf(prefix: string, userId: string, secret = TEST_SECRET): string {
  return userKey(prefix, new UserTags(secret).of(userId), 'u', userId);
}

/** The raw session ID inside a signed `sid=s%3A<id>.<sig>` cookie. */
export function rawSessionId(cookie: string): string {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
}
