import type { DynamicModule, INestApplication, LoggerService, LogLevel, Provider, Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  AuthConsentExceptionFilter,
  AuthConsentModule,
  createAuthConsentValidationPipe,
  LoginListener,
  type AuthConsentModuleExtras,
  type AuthConsentModuleOptions,
  type AuthUser,
} from '../../src/index.js';
import { Clock } from '../../src/common/clock.js';
import { signIn } from './users.js';

/** Low argon2 cost for tests that are not about hashing cost. */
export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** The options with FAST_ARGON2 (an app's own argon2 options, when it has any, are replaced). */
export function fastArgon2<T extends AuthConsentModuleOptions>(options: T): T {
  return { ...options, auth: { ...options.auth, argon2: FAST_ARGON2 } };
}

/** A login listener that does nothing: isolates the session layer's own allow-list from the consent feature. */
export const NO_LOGIN_LISTENER: LoginListener = { afterLogin: async () => undefined };

export interface LibraryAppSetup {
  /** What the app gives `AuthConsentModule.forRoot`. */
  options?: AuthConsentModuleOptions & AuthConsentModuleExtras;
  /** Instead of `options`: the module as the app imports it (`forRootAsync`, …). */
  module?: DynamicModule;
  /** The app's own controllers (a probe, GET /demo/track, a spec's routes), in the root module. */
  controllers?: Type[];
  /** Modules the app imports after AuthConsentModule. */
  imports?: Array<Type | DynamicModule>;
  providers?: Provider[];
  /**
   * The global validation pipe and exception filter an app adds (README, step 3). Default: none, so the
   * module's own controllers must stand alone.
   */
  appPipeAndFilter?: boolean;
  /** Bound instead of the system clock (clock.ts's TestClock). */
  clock?: Clock;
  loginListener?: LoginListener;
  /** Other providers of the module replaced (a ConsentSessionSync, a held PasswordHasher, …). */
  overrides?: Array<
    | { provide: unknown; useValue: unknown }
    | { provide: unknown; useFactory: (...args: never[]) => unknown; inject?: unknown[] }
  >;
  /** Default: errors only. */
  logger?: LoggerService | LogLevel[] | false;
  /** Users (users.ts: ADMIN, NOT_ADMIN, …) created when missing and signed in; `as(user)` gives each one's Cookie header. */
  signIn?: AuthUser[];
  /** Runs on the created app before init (a global prefix, Swagger, an app's own middleware). */
  beforeInit?: (app: INestApplication) => void | Promise<void>;
  /** `false`: return the app created but not initialised (a spec that expects init to fail). Default: true. */
  init?: boolean;
  /** Listen on a free loopback port (for fetch and other processes); `url` is then its address. */
  listen?: boolean;
}

export interface LibraryApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` of a listening app; throws when it was booted without `listen`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The one boot helper of library specs: a small Nest app that imports AuthConsentModule.forRoot(options) and
 * the spec's controllers, against whatever services the options name (real Redis, PostgreSQL, MariaDB, SQLite).
 * Library specs never boot the demo; the demo's configuration is in tracking-fixture.ts.
 */
export async function bootLibraryApp(setup: LibraryAppSetup): Promise<LibraryApp> {
  const providers: Provider[] = [...(setup.providers ?? [])];
  if (setup.appPipeAndFilter) {
    providers.push(
      { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
      { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
    );
  }
  if (!setup.module === !setup.options) throw new Error('bootLibraryApp takes options or module, one of them');
  let builder = Test.createTestingModule({
    imports: [setup.module ?? AuthConsentModule.forRoot(setup.options!), ...(setup.imports ?? [])],
    controllers: setup.controllers ?? [],
    providers,
  });
  if (setup.clock) builder = builder.overrideProvider(Clock).useValue(setup.clock);
  if (setup.loginListener) builder = builder.overrideProvider(LoginListener).useValue(setup.loginListener);
  for (const override of setup.overrides ?? []) {
    builder =
      'useValue' in override
        ? builder.overrideProvider(override.provide).useValue(override.useValue)
        : builder.overrideProvider(override.provide).useFactory({
            factory: override.useFactory as (...args: unknown[]) => unknown,
            inject: override.inject as never[],
          });
  }
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: setup.logger ?? ['error'] });
  await setup.beforeInit?.(app);
  let url: string | undefined;
  if (setup.init !== false) {
    await app.init();
    for (const user of setup.signIn ?? []) await signIn(app, user);
    if (setup.listen) {
      await app.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    }
  }
  return {
    app,
    get url(): string {
      if (!url) throw new Error('the app does not listen: boot it with listen: true');
      return url;
    },
    close: () => app.close(),
  };
}
