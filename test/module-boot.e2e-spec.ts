import { afterAll, describe, expect, it } from '@jest/globals';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthConsentModule, type AuthConsentModuleOptions } from '../src/index.js';
import { bootLibraryApp } from './support/library-app.js';
import { dropPrefixedTables, POSTGRES_URL, REDIS_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const prefix = uniquePrefix('boot');
const options: AuthConsentModuleOptions = {
  environment: 'test',
  redis: { url: REDIS_URL },
  database: { url: POSTGRES_URL, tablePrefix: prefix },
  session: { secret: TEST_SECRET },
};

@Injectable()
class OptionsFactory {
  createAuthConsentOptions(): AuthConsentModuleOptions {
    return options;
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class OptionsModule {}

async function boot(module: ReturnType<typeof AuthConsentModule.forRoot>): Promise<INestApplication> {
  return (await bootLibraryApp({ module, logger: false })).app;
}

describe('AuthConsentModule boot (PostgreSQL + Redis)', () => {
  afterAll(() => dropPrefixedTables(POSTGRES_URL, prefix));

  it.each([
    ['forRoot', () => AuthConsentModule.forRoot(options)],
    ['forRootAsync useFactory', () => AuthConsentModule.forRootAsync({ useFactory: async () => options })],
    ['forRootAsync useClass', () => AuthConsentModule.forRootAsync({ useClass: OptionsFactory })],
    [
      'forRootAsync useExisting',
      () => AuthConsentModule.forRootAsync({ imports: [OptionsModule], useExisting: OptionsFactory }),
    ],
  ])('boots with %s and answers /health', async (_name, make) => {
    const app = await boot(make());
    try {
      const res = await request(app.getHttpServer()).get('/health').expect(200);
      expect(res.body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
    } finally {
      await app.close();
    }
  });

  it('under a global prefix: routes move, the middleware still runs and its CSRF refusal is the JSON error', async () => {
    const { app } = await bootLibraryApp({
      options,
      logger: false,
      beforeInit: (created) => void created.setGlobalPrefix('api'),
    });
    try {
      await request(app.getHttpServer()).get('/api/health').expect(200);
      const refused = await request(app.getHttpServer())
        .post('/api/auth/login')
        .set('Origin', 'https://evil.example')
        .send({})
        .expect(403);
      expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Cross-origin request refused' });
    } finally {
      await app.close();
    }
  });

  it('registers globally with isGlobal', () => {
    expect(AuthConsentModule.forRoot({ ...options, isGlobal: true }).global).toBe(true);
    expect(AuthConsentModule.forRoot(options).global).toBe(false);
  });

  it('fails the boot with a sentence that names a bad option', async () => {
    const bad = AuthConsentModule.forRoot({ ...options, session: { secret: TEST_SECRET, idleTimeout: 'forever' } });
    await expect(boot(bad)).rejects.toThrow(/session\.idleTimeout must be a positive duration/);
  });

  it('refuses to start in production without Redis', async () => {
    const bad = AuthConsentModule.forRoot({ ...options, environment: 'production', redis: undefined });
    await expect(boot(bad)).rejects.toThrow(/redis is required in production/);
  });
});
