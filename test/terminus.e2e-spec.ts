import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { AuthConsentHealthIndicator } from '../src/terminus/index.js';
import { bootLibraryApp } from './support/library-app.js';
import { PrivateRedis, TEST_SECRET } from './support/services.js';

/** An app's own health module, as the terminus docs write one, in a feature module of its own. */
@Controller('app')
class AppHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly authConsent: AuthConsentHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.authConsent.isHealthy()]);
  }
}

@Module({ imports: [TerminusModule], controllers: [AppHealthController], providers: [AuthConsentHealthIndicator] })
class AppHealthModule {}

describe('the @nestjs/terminus health indicator (nestjs-auth-consent/terminus)', () => {
  let redis: PrivateRedis;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: redis.url },
          database: { url: 'sqlite::memory:' },
          session: { secret: TEST_SECRET },
        },
        imports: [AppHealthModule],
        logger: false,
      })
    ).app;
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it("reports the module's Redis and database in the app's own health check, up then down", async () => {
    const up = await request(app.getHttpServer()).get('/app/health').expect(200);
    expect(up.body).toMatchObject({
      status: 'ok',
      info: { authConsent: { status: 'up', redis: 'up', database: 'up' } },
    });
    await redis.stop();
    const down = await request(app.getHttpServer()).get('/app/health').expect(503);
    expect(down.body).toMatchObject({
      status: 'error',
      error: { authConsent: { status: 'down', redis: 'down', database: 'up' } },
    });
  });

  it('is the only place that imports @nestjs/terminus, so apps without it still load the main entry', () => {
    const importers: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts') && readFileSync(path, 'utf8').includes("'@nestjs/terminus'"))
          importers.push(path);
      }
    };
    walk('src');
    expect(importers).toEqual([join('src', 'terminus', 'auth-consent.health-indicator.ts')]);
  });
});
