import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConsentGate } from './consent/consent.gate.js';
import { CsrfCheck } from './session/csrf.check.js';
import { SessionMiddleware } from './session/session.middleware.js';
import { finishSessionCookie } from './session/session-cookie.headers.js';

type Writer = (...args: unknown[]) => unknown;

/** The parts of an Express app the module extends: the prototypes of its requests and responses. */
export interface ExpressPrototypes {
  request: object;
  response: object;
}

const INSTALLED = Symbol('nestjs-auth-consent:installed');

/**
 * The module's middleware, mounted on every path (see AuthConsentModule.configure), as ONE Express layer:
 * express-session with the module's store and what `passport.session()` does (SessionMiddleware), then the
 * CSRF check, then the consent gate. What the gate needs on every response (its cookie filter) is installed
 * once on the app's response prototype, and what `passport.initialize()` adds to requests once on its
 * request prototype (AuthConsentModule), rather than per request.
 */
@Injectable()
export class AuthConsentMiddleware implements NestMiddleware {
  constructor(
    private readonly session: SessionMiddleware,
    private readonly csrf: CsrfCheck,
    private readonly gate: ConsentGate,
  ) {}

  /** Called once at init with the app's Express instance. */
  installOn(app: ExpressPrototypes): void {
    const response = app.response as Record<string | symbol, unknown>;
    if (response[INSTALLED])
      throw new Error(
        'AuthConsentModule is installed twice on one Express app; import it once (forRoot / forRootAsync).',
      );
    response[INSTALLED] = true;
    this.session.installOn(app.request);
    this.gate.installOn(app.request);
    const { gate, session } = this;
    const { cookieName, cookieSecure } = session;
    const writeHead = response.writeHead as Writer;
    // Node writes every response's headers through writeHead, implicit ones too; express-session's own
    // header hook (on-headers) wraps the instance's writeHead, so it has set the session cookie by now.
    const hookedWriteHead = function (this: Response, ...args: unknown[]) {
      if (this.req) {
        gate.beforeHeaders(this.req, this, args);
        finishSessionCookie(this, cookieName, cookieSecure, args);
      }
      return writeHead.apply(this, args);
    };
    response.writeHead = hookedWriteHead;
    // Node's alias would otherwise bypass the hooks, express-session's (on the instance) included.
    response.writeHeader = function (this: Response, ...args: unknown[]) {
      return (this.writeHead as Writer)(...args);
    };
  }

  use(req: Request, res: Response, next: NextFunction): void {
    this.session.use(req, res, () => {
      try {
        this.csrf.assert(req);
        const gating = this.gate.begin(req);
        if (gating) gating.then(() => next(), next);
        else next();
      } catch (err) {
        // The CSRF refusal: Express passes it to Nest's error handler, which renders the JSON error.
        next(err);
      }
    });
  }
}
