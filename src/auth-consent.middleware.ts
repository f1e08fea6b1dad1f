import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConsentGate } from './consent/consent-gate.js';
import { CsrfCheck } from './session/csrf-check.js';
import { SessionLoader } from './session/session-loader.js';

type Writer = (...args: unknown[]) => unknown;

const logger = new Logger('AuthConsentMiddleware');

/** The parts of an Express app the module extends: the prototypes of its requests and responses. */
export interface ExpressPrototypes {
  request: object;
  response: object;
}

const INSTALLED = Symbol('nestjs-auth-consent:installed');
/** On a response whose end waits for its session write-back: a second end is ignored. */
const ENDING = Symbol('nestjs-auth-consent:ending');

/**
 * The module's middleware, mounted on every path (see AuthConsentModule.configure): session → CSRF check →
 * consent gate, as ONE Express layer. What every response needs (the gate's cookie filter, the session
 * cookie, the session write-back) is installed once on the app's response prototype rather than as closures
 * per request, and a request that has no session cookie and sends nothing unsafe costs no promise and no
 * allocation here.
 */
@Injectable()
export class AuthConsentMiddleware implements NestMiddleware {
  constructor(
    private readonly session: SessionLoader,
    private readonly csrf: CsrfCheck,
    private readonly gate: ConsentGate,
  ) {}

  /** Called once at init with the app's Express instance. */
  installOn(app: ExpressPrototypes): void {
    const response = app.response as Record<string | symbol, unknown>;
    if (response[INSTALLED]) throw new Error('AuthConsentModule is installed twice on one Express app; import it once (forRoot / forRootAsync).');
    response[INSTALLED] = true;
    response[ENDING] = false;
    this.session.installOn(app.request);
    this.gate.installOn(app.request);
    const { gate, session } = this;
    const writeHead = response.writeHead as Writer;
    const end = response.end as Writer;
    // Node writes every response's headers through writeHead, implicit ones too.
    const hookedWriteHead = function (this: Response, ...args: unknown[]) {
      if (this.req) {
        gate.beforeHeaders(this.req, this, args);
        session.beforeHeaders(this.req, this, args);
      }
      return writeHead.apply(this, args);
    };
    response.writeHead = hookedWriteHead;
    // Node's alias would otherwise still be the original.
    response.writeHeader = hookedWriteHead;
    // A changed session is stored before the response ends, so the client's next request sees it.
    response.end = function (this: Response & { [ENDING]?: boolean }, ...args: unknown[]) {
      if (this[ENDING]) return this;
      const saving = this.req && session.beforeEnd(this.req, this);
      if (!saving) return end.apply(this, args);
      this[ENDING] = true;
      saving
        .then(() => end.apply(this, args))
        .catch((err: unknown) => {
          logger.error(`Response could not be ended: ${(err as Error)?.message ?? String(err)}`);
          this.destroy(err as Error);
        });
      return this;
    };
  }

  use(req: Request, _res: Response, next: NextFunction): Promise<void> | void {
    const loading = this.session.begin(req);
    return loading ? loading.then(() => this.afterSession(req, next)) : this.afterSession(req, next);
  }

  /** Throws the CSRF refusal (Express passes it to Nest's error handler, which renders the JSON error). */
  private afterSession(req: Request, next: NextFunction): Promise<void> | void {
    this.csrf.assert(req);
    const gating = this.gate.begin(req);
    if (gating) return gating.then(() => next());
    next();
  }
}
