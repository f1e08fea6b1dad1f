import { BadRequestException } from '@nestjs/common';
import type { Request } from 'express';
import passport from 'passport';
import { passportUserId } from '../session/session-store.core.js';
import type { LoginSessionService } from './login-session.service.js';

/** On an app's request prototype: the module's login service, for Passport's session manager. */
export const MODULE_LOGINS = Symbol('authConsentLogins');

type Done = (err?: unknown) => void;
type Serialize = (user: unknown, req: Request, done: (err: unknown, serialized?: unknown) => void) => void;

/** Passport 0.7's SessionManager (lib/sessionmanager.js, not exported): what `req.logIn` / `req.logOut` call. */
interface PassportSessionManagerShape {
  _serializeUser: Serialize;
  logIn(req: Request, user: unknown, options: Record<string, unknown>, cb: Done): void;
  logOut(req: Request, options: Record<string, unknown>, cb: Done): void;
}
type SessionManagerClass = new (options: { key?: string }, serializeUser: Serialize) => PassportSessionManagerShape;

interface GlobalPassport {
  _sm: PassportSessionManagerShape;
  _key?: string;
  serializeUser: Serialize;
}

const globalPassport = passport as unknown as GlobalPassport;
/** The class of the manager every Passport instance is built with. */
const SessionManager = globalPassport._sm.constructor as SessionManagerClass;

/**
 * Passport's SessionManager, extended so that `req.logIn` (the NestJS docs recipe's `super.logIn(req)`,
 * OAuth2/OIDC and other strategies) signs users in through the module (LoginSessionService): a new session
 * ID, indexed, listed, revocable, consent linked. What Passport serializes is resolved to a user ID (a
 * string, or an object with a string `id`) and the user is read through the UserStore. `req.logOut` is
 * Passport's own (it clears the user, saves, regenerates), followed by the module's sign-out hook
 * (LoginSessionService.signedOut: the consent feature expires a visitor cookie that grants anything).
 * Requests of an app without the module keep Passport's behaviour.
 */
export class PassportSessionManager extends SessionManager {
  override logIn(req: Request, user: unknown, options: Record<string, unknown> | Done, cb?: Done): void {
    const done = (typeof options === 'function' ? options : cb) as Done;
    const opts = typeof options === 'function' ? {} : (options ?? {});
    const logins = (req as Request & { [MODULE_LOGINS]?: LoginSessionService })[MODULE_LOGINS];
    if (!logins) return super.logIn(req, user, opts, done);
    this._serializeUser(user, req, (err: unknown, serialized: unknown) => {
      if (err) return done(err);
      const id = passportUserId(serialized) ?? passportUserId(user);
      if (id === undefined)
        return done(
          new BadRequestException(
            'Cannot sign in: Passport serialized the user as neither an ID nor an object with a string `id`.',
          ),
        );
      logins.logIn(req, { id }, { remember: opts.remember === true }).then(() => done(), done);
    });
  }

  /** Passport's own sign-out (clear the user, save, regenerate), then the module's sign-out hook (consent). */
  override logOut(req: Request, options: Record<string, unknown> | Done, cb?: Done): void {
    const done = (typeof options === 'function' ? options : cb) as Done;
    const opts = typeof options === 'function' ? {} : (options ?? {});
    const logins = (req as Request & { [MODULE_LOGINS]?: LoginSessionService })[MODULE_LOGINS];
    if (!logins) return super.logOut(req, opts, done);
    super.logOut(req, opts, (err?: unknown) => {
      if (err) return done(err);
      logins.signedOut(req).then(() => done(), done);
    });
  }
}

/**
 * What `passport.initialize()` puts on every request (`req.logIn`, `req.logOut`, `req.isAuthenticated`, …,
 * and Passport's session manager), put once on an app's request prototype instead: the same functions,
 * taken from Passport's own initialize middleware, at no cost per request.
 */
export function installPassportRequestMethods(requestPrototype: object): void {
  const methods: Record<string, unknown> = {};
  passport.initialize()(methods as never, {} as never, () => undefined);
  for (const name of ['login', 'logIn', 'logout', 'logOut', 'isAuthenticated', 'isUnauthenticated']) {
    Object.defineProperty(requestPrototype, name, { value: methods[name], writable: true, configurable: true });
  }
  Object.defineProperty(requestPrototype, '_sessionManager', {
    get: () => globalPassport._sm,
    set(this: object, value: unknown) {
      Object.defineProperty(this, '_sessionManager', { value, writable: true, configurable: true, enumerable: true });
    },
    configurable: true,
  });
}

let installed = false;

/**
 * Puts the module's session manager on Passport's process-wide instance (what `@nestjs/passport` guards
 * use) and registers a serializer of last resort (a user with a string `id` is stored as that ID).
 */
export function installModuleSessionManager(): void {
  if (installed) return;
  installed = true;
  passport.serializeUser((user: Express.User, done: (err: unknown, id?: unknown) => void) => {
    const id = passportUserId(user);
    return id === undefined ? done('pass') : done(null, id);
  });
  globalPassport._sm = new PassportSessionManager(
    { key: globalPassport._key ?? 'passport' },
    globalPassport.serializeUser.bind(passport),
  );
}
