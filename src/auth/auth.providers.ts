import type { Abstract, Provider, Type } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { ModulePassport } from './module-passport.js';
import { SessionBackend } from '../session/session-backend.js';
import { SessionUserLoader } from '../session/session-user.loader.js';
import { SessionService } from '../session/session.service.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedGuard } from './authenticated.guard.js';
import { LastSignInRecorder } from './last-sign-in.recorder.js';
import { LocalStrategy } from './local.strategy.js';
import { LoginSessionService } from './login-session.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginGuard } from './login.guard.js';
import { PasswordHasher } from './password-hasher.service.js';
import { RolesGuard } from './roles.guard.js';
import { AuthSessionUserLoader } from './auth-session-user.loader.js';
import { throttleBackendProvider } from './throttle-backend.provider.js';
import { TypeOrmUserStore } from './typeorm-user.store.js';
import { UserStore } from './user-store.js';

/** The login feature's part of AuthConsentModule. */
export const authProviders: Provider[] = [
  throttleBackendProvider,
  {
    provide: UserStore,
    inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_DATA_SOURCE],
    // An app's own store (auth.userStore) replaces the built-in table.
    useFactory: (options: ResolvedAuthConsentOptions, dataSource: DataSource): UserStore => options.auth.userStore ?? new TypeOrmUserStore(dataSource),
  },
  ModulePassport,
  PasswordHasher,
  SessionService,
  AuthService,
  LoginThrottleService,
  LastSignInRecorder,
  LoginSessionService,
  LocalStrategy,
  { provide: SessionUserLoader, useClass: AuthSessionUserLoader },
  LoginGuard,
  AuthenticatedGuard,
  RolesGuard,
];
export const authExports: Array<string | symbol | Type | Abstract<unknown>> = [SessionService, AuthService, LoginSessionService, UserStore, SessionBackend, PasswordHasher, AuthenticatedGuard, RolesGuard];
