import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Module, UseGuards } from '@nestjs/common';
import request from 'supertest';
import {
  AdminGuard,
  AuthenticatedGuard,
  AuthService,
  Consent,
  ConsentGuard,
  CurrentUser,
  RequiresConsent,
  Roles,
  RolesGuard,
  type AuthUser,
  type ConsentState,
} from '../src/index.js';
import { cookieHeaderOf } from './support/cookie-jar.js';
import { bootLibraryApp } from './support/library-app.js';
import { TEST_CONSENT, TEST_SECRET } from './support/services.js';

/** An app's feature module: it imports nothing of the library, and the library is not global. */
@Controller('feature')
class FeatureController {
  @Get('me')
  @UseGuards(AuthenticatedGuard)
  me(@CurrentUser() user: AuthUser): { username: string } {
    return { username: user.username };
  }

  @Get('reports')
  @Roles('admin')
  @UseGuards(RolesGuard)
  reports(): { ok: true } {
    return { ok: true };
  }

  @Get('stats')
  @RequiresConsent('analytics')
  stats(@Consent() consent: ConsentState): { analytics: boolean } {
    return { analytics: consent.decisions.analytics };
  }

  @Get('admin-only')
  @UseGuards(AdminGuard)
  adminOnly(@CurrentUser() user: AuthUser): { admin: string } {
    return { admin: user.username };
  }

  @Get('guarded-explicitly')
  @UseGuards(ConsentGuard)
  explicit(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [FeatureController] })
class FeatureModule {}

let app: INestApplication;
let http: ReturnType<INestApplication['getHttpServer']>;

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: {
        environment: 'test',
        database: { url: 'sqlite::memory:' },
        session: { secret: TEST_SECRET },
        consent: TEST_CONSENT,
        adminRole: 'ops',
      },
      imports: [FeatureModule],
    })
  ).app;
  http = app.getHttpServer();
  await app.get(AuthService).createUser('reader', 'a long enough passphrase', []);
  await app.get(AuthService).createUser('operator', 'a long enough passphrase', ['ops', 'admin']);
});

afterAll(async () => {
  await app?.close();
});

function cookieOf(res: request.Response): string {
  return cookieHeaderOf(res);
}

describe('the exported guards and decorators in a feature module, with forRoot not global', () => {
  it('boots (ConsentGuard resolved its dependencies) and guards the routes signed out', async () => {
    expect((await request(http).get('/feature/me').expect(401)).body).toMatchObject({ statusCode: 401 });
    await request(http).get('/feature/reports').expect(401);
    expect((await request(http).get('/feature/admin-only').expect(401)).body).toMatchObject({ statusCode: 401 });
    const refused = await request(http).get('/feature/stats').expect(403);
    expect(refused.body.message).toMatch(/analytics/);
    await request(http).get('/feature/guarded-explicitly').expect(200);
  });

  it('lets a signed-in user through AuthenticatedGuard, refuses RolesGuard without the role, and ConsentGuard follows consent', async () => {
    const login = await request(http)
      .post('/auth/login')
      .send({ username: 'reader', password: 'a long enough passphrase' })
      .expect(200);
    const cookie = cookieOf(login);
    expect((await request(http).get('/feature/me').set('Cookie', cookie).expect(200)).body).toEqual({
      username: 'reader',
    });
    await request(http).get('/feature/reports').set('Cookie', cookie).expect(403);
    await request(http).get('/feature/admin-only').set('Cookie', cookie).expect(403);
    await request(http).get('/feature/stats').set('Cookie', cookie).expect(403);
    await request(http)
      .put('/consent')
      .set('Cookie', cookie)
      .send({ decisions: { analytics: true }, policyVersion: '1' })
      .expect(200);
    expect((await request(http).get('/feature/stats').set('Cookie', cookie).expect(200)).body).toEqual({
      analytics: true,
    });
  });
});

describe('AdminGuard and RolesGuard in a feature module, with forRoot not global', () => {
  it("lets through a user with the module's adminRole (read from the module's options) and RolesGuard's role", async () => {
    const login = await request(http)
      .post('/auth/login')
      .send({ username: 'operator', password: 'a long enough passphrase' })
      .expect(200);
    const cookie = cookieOf(login);
    expect((await request(http).get('/feature/admin-only').set('Cookie', cookie).expect(200)).body).toEqual({
      admin: 'operator',
    });
    expect((await request(http).get('/feature/reports').set('Cookie', cookie).expect(200)).body).toEqual({ ok: true });
  });

  it("names the module's admin role when the role is missing", async () => {
    const login = await request(http)
      .post('/auth/login')
      .send({ username: 'reader', password: 'a long enough passphrase' })
      .expect(200);
    const res = await request(http).get('/feature/admin-only').set('Cookie', cookieOf(login)).expect(403);
    expect(res.body.message).toBe("This requires the 'ops' role.");
  });
});
