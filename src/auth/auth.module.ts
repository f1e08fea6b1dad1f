import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { tokensOf } from '../common/provider-tokens.js';
import { groupControllers } from '../routes/route-group.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { CsrfCheck } from '../session/csrf.check.js';
import { LegacySessionMigrator } from '../session/legacy-session.migrator.js';
import { SessionUserLoader } from '../session/session-user.loader.js';
import { sessionStoreProviders } from '../session/session-store.provider.js';
import { SessionMiddleware } from '../session/session.middleware.js';
import { SessionService } from '../session/session.service.js';
import { AuthSessionUserLoader } from './auth-session-user.loader.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedGuard } from './authenticated.guard.js';
import { LastSignInRecorder } from './last-sign-in.recorder.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginSessionService } from './login-session.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginGuard } from './login.guard.js';
import { ModulePassport } from './module-passport.js';
import { PasswordHasher } from './password.hasher.js';
import { RolesGuard } from './roles.guard.js';
import { throttleBackendProvider } from './throttle-backend.provider.js';
import { TypeOrmUserStore } from './typeorm-user.store.js';
import { UserStore } from './user.store.js';

/** The session layer (express-session with the module's store, CSRF) and sign-in (Passport, throttling, users). */
const providers: Provider[] = [
  ...sessionStoreProviders,
  SessionMiddleware,
  LegacySessionMigrator,
  CsrfCheck,
  SessionService,
  { provide: SessionUserLoader, useClass: AuthSessionUserLoader },
  throttleBackendProvider,
  {
    provide: UserStore,
    inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_DATA_SOURCE],
    // An app's own store (auth.userStore) replaces the built-in table.
    useFactory: (options: ResolvedAuthConsentOptions, dataSource: DataSource): UserStore =>
      options.auth.userStore ?? new TypeOrmUserStore(dataSource),
  },
  ModulePassport,
  PasswordHasher,
  AuthService,
  LoginThrottleService,
  LastSignInRecorder,
  LoginSessionService,
  LocalStrategy,
  LoginGuard,
  AuthenticatedGuard,
  RolesGuard,
];

/** Sessions and sign-in; `POST <routes.auth>/login` and the rest of the auth routes. */
@Module({})
export class AuthModule {
  static register(core: DynamicModule, routes: ResolvedRoutes): DynamicModule {
    return {
      module: AuthModule,
      imports: [core],
      providers,
      controllers: groupControllers('auth', routes, [AuthController]),
      exports: tokensOf(providers),
    };
  }
}
