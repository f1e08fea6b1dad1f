import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { SESSION_STORE } from './session-store.provider.js';

/** express-session, then Passport's initialize and session: mounted by the module so an app's main.ts needs nothing. */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly chain: RequestHandler[];

  constructor(@Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions, @Inject(SESSION_STORE) store: session.Store) {
    const s = options.session;
    this.chain = [
      session({
        name: s.cookieName,
        secret: s.secrets,
        store,
        resave: false,
        // No cookie and no store write until something is put in the session (a login).
        saveUninitialized: false,
        cookie: { httpOnly: true, sameSite: 'lax', secure: s.cookieSecure, path: '/' },
      }),
      passport.initialize(),
      passport.session(),
    ];
  }

  use(req: Request, res: Response, next: NextFunction): void {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) return next(err);
      const handler = this.chain[i++];
      if (!handler) return next();
      handler(req, res, step);
    };
    step();
  }
}
