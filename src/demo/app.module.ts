import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthConsentExceptionFilter, AuthConsentModule, createAuthConsentValidationPipe } from '../index.js';
import { demoRouteExtrasFromEnv, demoEnvFrom, demoOptionsFromEnv, type DemoEnv } from './demo-config.js';
import { DemoController } from './demo.controller.js';
import { DemoTrackController } from './demo-track.controller.js';
import { demoSecurityHeaders } from './security-headers.js';

/** The reference app: the library imported through its public API, as an outside app would. */
@Module({})
export class AppModule implements NestModule {
  /**
   * With `config` (what `await ConfigModule.forRoot({ isGlobal: true })` returned: main.ts and the CLI), the
   * options come from @nestjs/config's ConfigService, which reads `.env` in the working directory under the
   * environment; without it (the tests), from `env` alone.
   */
  static forEnv(env: DemoEnv = process.env, config?: DynamicModule): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...(config ? [config] : []),
        config
          ? AuthConsentModule.forRootAsync({
              inject: [ConfigService],
              useFactory: (service: ConfigService) => demoOptionsFromEnv(demoEnvFrom(service)),
              ...demoRouteExtrasFromEnv(env),
            })
          : AuthConsentModule.forRootAsync({
              useFactory: () => demoOptionsFromEnv(env),
              ...demoRouteExtrasFromEnv(env),
            }),
      ],
      controllers: [DemoController, DemoTrackController],
      providers: [
        { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
        { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
      ],
    };
  }

  /** Security headers on every response of the demo (issue 15, item 7). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(demoSecurityHeaders).forRoutes('*');
  }
}
