import {
  Inject,
  Logger,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnApplicationBootstrap,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import type { RequestHandler } from 'express';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_CONSENT_OPTIONS } from './auth-consent.constants.js';
import { ConfigurableModuleClass } from './auth-consent.module-definition.js';
import type { ResolvedAuthConsentOptions } from './auth-consent.options.js';
import { SessionMiddleware } from './session/session.middleware.js';
import { AuthConsentMiddleware, type ExpressPrototypes } from './auth-consent.middleware.js';
import { LoginListener } from './auth/login.listener.js';
import { LoginSessionService } from './auth/login-session.service.js';
import {
  installModuleSessionManager,
  installPassportRequestMethods,
  MODULE_LOGINS,
} from './auth/passport-session.manager.js';
import { SessionConflictError } from './session/session.exceptions.js';
import { routeShadowWarnings, type RouterLayer } from './routes/route-shadows.js';

/**
 * Login, Redis-backed sessions and GDPR consent for a Nest app. Import it once with `forRoot` or
 * `forRootAsync`; it mounts its own middleware on every route (AuthConsentMiddleware): express-session with
 * the module's store (connect-redis's RedisStore extended, or an in-process store), Passport's
 * initialize/session steps, the CSRF check and the consent gate. Its feature modules (core, auth, consent,
 * admin, health, banner) and their paths: src/auth-consent.features.ts.
 */
@Module({})
export class AuthConsentModule
  extends ConfigurableModuleClass
  implements NestModule, OnModuleInit, OnApplicationBootstrap
{
  private readonly mounted: RequestHandler = (req, res, next) => this.middleware.use(req, res, next);

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    private readonly middleware: AuthConsentMiddleware,
    private readonly session: SessionMiddleware,
    private readonly logins: LoginSessionService,
    @Optional() private readonly loginListener?: LoginListener,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    super();
  }

  onModuleInit(): void {
    // The consent feature's listener (bound in ConsentModule) reaches the auth feature here, which cannot import it.
    if (this.loginListener) this.logins.listenWith(this.loginListener);
    // The client address used by throttling and the audit log depends on this; set it where the app is.
    const app = this.expressApp();
    app?.set?.('trust proxy', this.options.trustProxy);
    if (!app) return; // no HTTP server (an application context, the CLI): nothing to hook
    if (!app.request || !app.response)
      throw new Error('AuthConsentModule needs the Express platform (@nestjs/platform-express).');
    this.middleware.installOn({ request: app.request, response: app.response });
    // Passport's req.logIn reaches this app's login service through its requests (PassportSessionManager).
    installPassportRequestMethods(app.request);
    Object.defineProperty(app.request, MODULE_LOGINS, { value: this.logins });
    installModuleSessionManager();
  }

  /** By now the app's own middleware is mounted: a second session middleware is a setup error, said at boot. */
  onApplicationBootstrap(): void {
    const stack = this.expressApp()?.router?.stack ?? [];
    const other = stack.find(
      (layer) => layer.handle !== this.mounted && SESSION_MIDDLEWARE_NAMES.has(layer.handle?.name ?? ''),
    );
    if (other) throw new SessionConflictError(this.session.conflictMessage());
    // Every route is registered by now: say which of the module's an app route hides (or is hidden by).
    const logger = new Logger('AuthConsentModule');
    for (const warning of routeShadowWarnings(stack)) logger.warn(warning);
  }

  /**
   * Mounts the module's middleware on Express itself, on every path, rather than through the
   * MiddlewareConsumer: the consumer wraps each middleware in an async proxy and a path match per request,
   * about 5 % of an anonymous request's cost. Express 5 hands an error thrown (or a promise rejected) by it
   * to Nest's error handler, which renders the JSON error (the CSRF refusal).
   */
  configure(_consumer: MiddlewareConsumer): void {
    this.expressApp()?.use?.(this.mounted);
  }

  private expressApp(): ExpressApp | undefined {
    return this.adapterHost?.httpAdapter?.getInstance?.() as ExpressApp | undefined;
  }
}

/** What the module uses of an Express app. */
type ExpressApp = Partial<ExpressPrototypes> & {
  set?: (key: string, value: unknown) => void;
  use?: (handler: RequestHandler) => void;
  router?: { stack?: Array<RouterLayer & { handle?: { name?: string } }> };
};

/** The function names of the session middlewares an app might mount itself (express-session, cookie-session). */
const SESSION_MIDDLEWARE_NAMES = new Set(['session', 'cookieSession']);
