import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, type LoggerService, Module, Post, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthConsentConfigError,
  AuthConsentModule,
  type AuthConsentModuleExtras,
  type AuthConsentModuleOptions,
} from '../src/index.js';
import { AUTH_CONSENT_ROUTES } from '../src/auth-consent.constants.js';
import { bootLibraryApp } from './support/library-app.js';
import { TEST_CONSENT, TEST_SECRET } from './support/services.js';

const options: AuthConsentModuleOptions = {
  environment: 'test',
  database: { url: 'sqlite::memory:' },
  session: { secret: TEST_SECRET },
  consent: TEST_CONSENT,
};

/** Collects what the app logs as warnings (the module's boot warnings among them). */
class Warnings implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  error(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Boots the module with `extras` on forRoot; `before` controllers sit in the root module (registered first), `after` in a module imported after it. */
async function boot(
  extras: AuthConsentModuleExtras = {},
  before: Type[] = [],
  after: Type[] = [],
): Promise<{ http: ReturnType<INestApplication['getHttpServer']>; warnings: string[] }> {
  @Module({ controllers: after })
  class LaterModule {}
  const logger = new Warnings();
  app = (
    await bootLibraryApp({ options: { ...options, ...extras }, imports: [LaterModule], controllers: before, logger })
  ).app;
  return {
    http: app.getHttpServer(),
    warnings: logger.lines.filter((l) => !l.startsWith('No Redis') && !l.startsWith('No ') && !/undeclared/i.test(l)),
  };
}

/** One request of each group, at its default path. */
const DEFAULT_PROBES: Array<[string, string, number]> = [
  ['auth', 'GET /auth/me', 401],
  ['consent', 'GET /consent/config', 200],
  ['banner', 'GET /consent/banner.js', 200],
  ['health', 'GET /health', 200],
  ['admin', 'GET /admin/audit', 401],
];

function send(http: ReturnType<INestApplication['getHttpServer']>, probe: string) {
  const [method, path] = probe.split(' ');
  return method === 'POST' ? request(http).post(path) : request(http).get(path);
}

describe('routes: a path or false for each route group', () => {
  it('mounts every group at its default path, and says nothing when no route collides', async () => {
    const { http, warnings } = await boot();
    for (const [, probe, status] of DEFAULT_PROBES) await send(http, probe).expect(status);
    expect(warnings.filter((w) => /route/.test(w))).toEqual([]);
    expect(app!.get(AUTH_CONSENT_ROUTES)).toEqual({
      auth: '/auth',
      consent: '/consent',
      banner: '/consent',
      health: '/health',
      admin: '/admin',
    });
  });

  it('moves each group to its path: the old paths are 404, the new ones answer, and the banner script asks the moved consent routes', async () => {
    const { http } = await boot({
      routes: {
        auth: '/api/auth',
        consent: 'api/consent/',
        banner: '/static/cmp',
        health: '/status/health',
        admin: '/backoffice',
      },
    });
    for (const [, probe] of DEFAULT_PROBES) await send(http, probe).expect(404);
    await request(http).get('/api/auth/me').expect(401);
    await request(http).post('/api/auth/login').send({ username: 'nobody', password: 'wrong password' }).expect(401);
    expect((await request(http).get('/api/consent/config').expect(200)).body.categories.length).toBeGreaterThan(0);
    await request(http).put('/api/consent').send({ choice: 'reject-all', policyVersion: '1' }).expect(200);
    await request(http).get('/status/health').expect(200);
    await request(http).get('/backoffice/audit').expect(401);
    const script = (await request(http).get('/static/cmp/banner.js').expect(200)).text;
    expect(script).toContain(`|| "/api/consent";`);
    expect(script).not.toContain(`'/consent'`);
  });

  it('puts the banner script beside the consent routes unless routes.banner says otherwise', async () => {
    const { http } = await boot({ routes: { consent: '/cmp' } });
    const script = (await request(http).get('/cmp/banner.js').expect(200)).text;
    expect(script).toContain(`|| "/cmp";`);
    await request(http).get('/consent/banner.js').expect(404);
  });

  it('mounts none of a group set to false', async () => {
    const { http } = await boot({
      routes: { auth: false, consent: false, banner: false, health: false, admin: false },
    });
    for (const [, probe] of DEFAULT_PROBES) await send(http, probe).expect(404);
    await request(http).post('/auth/login').send({ username: 'a', password: 'b' }).expect(404);
  });

  it('keeps adminPath and admin: false working (the older spellings of routes.admin)', async () => {
    const moved = await boot({ adminPath: 'internal/admin' });
    await request(moved.http).get('/internal/admin/audit').expect(401);
    await request(moved.http).get('/admin/audit').expect(404);
    await app!.close();
    app = undefined;
    const off = await boot({ admin: false });
    await request(off.http).get('/admin/audit').expect(404);
  });

  it('refuses routes in the options a factory returns: they are read from the forRoot call, before any factory runs', async () => {
    const moduleRef = Test.createTestingModule({
      imports: [
        AuthConsentModule.forRootAsync({
          useFactory: () => ({ ...options, routes: { auth: '/api/auth' } }) as AuthConsentModuleOptions,
        }),
      ],
    });
    await expect(moduleRef.compile()).rejects.toThrow(/^routes goes on the forRoot \/ forRootAsync call itself/);
  });

  it.each([
    [{ routes: { auth: 'a b' } }, /^routes\.auth must be a path such as '\/auth'/],
    [{ routes: { health: '/health/:id' } }, /^routes\.health must be a path/],
    [{ routes: { consent: '../x' } }, /^routes\.consent must be a path/],
    [{ routes: { admin: true } }, /^routes\.admin must be a path .* or false/],
    [{ routes: { banner: '' } }, /^routes\.banner must be a path/],
    [
      { routes: { login: '/login' } },
      /^routes\.login is not a route group; the groups are auth, consent, banner, health, admin\./,
    ],
    [{ routes: '/api' }, /^routes must be an object/],
    [{ routes: { admin: '/x' }, adminPath: '/y' }, /routes\.admin alone/],
    [{ adminPath: '../x' }, /^adminPath must be a route path/],
  ])('refuses %j at forRoot with a sentence naming the option', (extras, message) => {
    const call = () => AuthConsentModule.forRoot({ ...options, ...(extras as AuthConsentModuleExtras) });
    expect(call).toThrow(AuthConsentConfigError);
    expect(call).toThrow(message);
    expect(() =>
      AuthConsentModule.forRootAsync({ useFactory: () => options, ...(extras as AuthConsentModuleExtras) }),
    ).toThrow(message);
  });
});

@Controller('health')
class AppHealthController {
  @Get()
  mine(): { mine: true } {
    return { mine: true };
  }
}

@Controller('auth')
class AppAuthController {
  @Post('login')
  login(): { mine: true } {
    return { mine: true };
  }
}

@Controller('consent')
class LateConsentController {
  @Get('config')
  late(): { late: true } {
    return { late: true };
  }
}

describe('a boot warning when an app route and one of the module collide', () => {
  it("names the method, the path, the app's handler and the option when an app route shadows the module's", async () => {
    const { http, warnings } = await boot({}, [AppHealthController, AppAuthController]);
    // What the warning is about: the app's routes answer.
    expect((await request(http).get('/health').expect(200)).body).toEqual({ mine: true });
    const shadows = warnings.filter((w) => /route/.test(w));
    expect(shadows).toHaveLength(2);
    expect(shadows).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^GET \/health: the app's route \(AppHealthController\.mine, \/health\) .*the module's never runs.*routes\.health/,
        ),
        expect.stringMatching(
          /^POST \/auth\/login: the app's route \(AppAuthController\.login, \/auth\/login\) .*routes\.auth/,
        ),
      ]),
    );
  });

  it("warns too when the module's route hides an app route registered after it", async () => {
    const { http, warnings } = await boot({}, [], [LateConsentController]);
    expect((await request(http).get('/consent/config').expect(200)).body).toHaveProperty('categories');
    expect(warnings.filter((w) => /route/.test(w))).toEqual([
      expect.stringMatching(
        /^GET \/consent\/config: the module's route \(routes\.consent, \/consent\/config\) answers it before the app's LateConsentController\.late, which never runs.*routes\.consent/,
      ),
    ]);
  });

  it('warns when two groups are mounted where their routes collide, and is silent once the module moves away', async () => {
    const clash = await boot({ routes: { admin: '/auth' } });
    expect(clash.warnings.filter((w) => /route/.test(w))).toEqual([
      expect.stringMatching(/^DELETE \/auth\/sessions\/:handle: routes\.auth .* before routes\.admin/),
    ]);
    await app!.close();
    app = undefined;
    const moved = await boot({ routes: { health: '/module/health', auth: '/module/auth' } }, [
      AppHealthController,
      AppAuthController,
    ]);
    expect(moved.warnings.filter((w) => /route/.test(w))).toEqual([]);
    await request(moved.http).get('/module/health').expect(200);
    expect((await request(moved.http).get('/health').expect(200)).body).toEqual({ mine: true });
  });
});
