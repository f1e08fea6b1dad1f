import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import { Clock } from '../../src/common/clock.js';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { demoOptionsFromEnv, type DemoEnv } from '../../src/demo/demo-config.js';
import { DemoTrackController } from '../../src/demo/demo-track.controller.js';
import { AuthConsentExceptionFilter, AuthConsentModule, createAuthConsentValidationPipe, type AuthConsentModuleOptions } from '../../src/index.js';

/** A clock the test moves by hand. */
export class TestClock extends Clock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {
    super();
  }
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const DAY = 86_400_000;
export const AUDIT_SECRET = 'consent-audit-secret-for-tests-0123456789';

/**
 * Boots the demo's configuration (its four categories, GET /demo/track) on the real module, with a test
 * clock, its own Redis key prefix and optional extra options.
 */
export async function bootDemoWithClock(env: DemoEnv, clock: Clock, extra: (o: AuthConsentModuleOptions) => AuthConsentModuleOptions = (o) => o,
  controllers: Type[] = [],
): Promise<INestApplication> {
  const base = demoOptionsFromEnv(env);
  const options = extra({ ...base, session: { ...base.session, redisPrefix: env.REDIS_PREFIX } });
  const moduleRef = await Test.createTestingModule({
    imports: [AuthConsentModule.forRoot(options)],
    controllers: [DemoTrackController, ...controllers],
    providers: [
      { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
      { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
    ],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return app;
}

/** Counts the SQL statements a data source sends from now on. */
export function countQueries(ds: DataSource): { readonly count: number; reset(): void } {
  let count = 0;
  const counter: TypeOrmLogger = {
    logQuery: () => void count++,
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  (ds as unknown as { logger: TypeOrmLogger }).logger = counter;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
}

/** Names of the cookies a response sets (not those it expires), and of those it expires. */
export function setCookies(res: { headers: Record<string, unknown> }): { set: string[]; expired: string[]; raw: string[] } {
  const raw = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const set: string[] = [];
  const expired: string[] = [];
  for (const c of raw) {
    const name = c.split('=')[0];
    if (/max-age=0/i.test(c) || /expires=thu, 01 jan 1970/i.test(c)) expired.push(name);
    else set.push(name);
  }
  return { set: set.sort(), expired: expired.sort(), raw };
}
