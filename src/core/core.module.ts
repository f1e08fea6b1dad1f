import { type DynamicModule, type InjectionToken, Logger, Module, type Provider } from '@nestjs/common';
import {
  AUTH_CONSENT_DATA_SOURCE,
  AUTH_CONSENT_OPTIONS,
  AUTH_CONSENT_REDIS,
  AUTH_CONSENT_ROUTES,
} from '../auth-consent.constants.js';
import {
  resolveOptions,
  type AuthConsentModuleOptions,
  type ResolvedAuthConsentOptions,
} from '../auth-consent.options.js';
import { Clock, SystemClock } from '../common/clock.js';
import { DataSourceLifecycle, dataSourceProvider } from '../database/data-source.provider.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { RedisLifecycle, redisClientProviders } from '../session/redis-client.provider.js';

/** What forRoot / forRootAsync made of the app's options: their provider and, for forRootAsync, the factory's imports. */
export type OptionsDefinition = Pick<DynamicModule, 'imports' | 'providers'>;

/**
 * The validated options, the clock, the Redis client and the TypeORM DataSource: what every feature module
 * of the library injects. Opened here once, closed on shutdown (RedisLifecycle, DataSourceLifecycle) unless
 * the app passed in its own.
 */
@Module({})
export class CoreModule {
  static register(definition: OptionsDefinition, optionsToken: InjectionToken, routes: ResolvedRoutes): DynamicModule {
    const providers: Provider[] = [
      ...(definition.providers ?? []),
      {
        provide: AUTH_CONSENT_OPTIONS,
        inject: [optionsToken],
        useFactory: (options: AuthConsentModuleOptions): ResolvedAuthConsentOptions => {
          const resolved = resolveOptions(options);
          const logger = new Logger('AuthConsentModule');
          for (const warning of resolved.warnings) logger.warn(warning);
          return resolved;
        },
      },
      { provide: AUTH_CONSENT_ROUTES, useValue: routes },
      { provide: Clock, useClass: SystemClock },
      ...redisClientProviders,
      RedisLifecycle,
      dataSourceProvider,
      DataSourceLifecycle,
    ];
    return {
      module: CoreModule,
      imports: definition.imports ?? [],
      providers,
      exports: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_ROUTES, Clock, AUTH_CONSENT_REDIS, AUTH_CONSENT_DATA_SOURCE],
    };
  }
}
