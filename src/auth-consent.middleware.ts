import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConsentGate } from './consent/consent-gate.js';
import { CsrfCheck } from './session/csrf-check.js';
import { SessionLoader } from './session/session-loader.js';

type Writer = (...args: unknown[]) => unknown;

/**
 * The module's middleware, mounted on every route: session → CSRF check → consent gate, as ONE layer.
 * Nest mounts each middleware class as a router layer of its own, with an async wrapper around it; one
 * layer pays that once. The response's headers pass through a single `writeHead` hook: the gate filters the
 * cookies, then the session cookie is added. No promise is made on a request with nothing to wait for.
 */
@Injectable()
export class AuthConsentMiddleware implements NestMiddleware {
  constructor(
    private readonly session: SessionLoader,
    private readonly csrf: CsrfCheck,
    private readonly gate: ConsentGate,
  ) {}

  use(req: Request, res: Response, next: NextFunction): Promise<void> | void {
    this.hookHeaders(req, res);
    const loading = this.session.begin(req, res);
    return loading ? loading.then(() => this.afterSession(req, next)) : this.afterSession(req, next);
  }

  /** Throws the CSRF refusal (Nest's middleware wrapper turns it into the JSON error). */
  private afterSession(req: Request, next: NextFunction): Promise<void> | void {
    this.csrf.assert(req);
    const gating = this.gate.begin(req);
    if (gating) return gating.then(() => next());
    next();
  }

  private hookHeaders(req: Request, res: Response): void {
    const { gate, session } = this;
    const writeHead = res.writeHead as unknown as Writer;
    (res as unknown as { writeHead: Writer }).writeHead = function (this: Response, ...args: unknown[]) {
      gate.beforeHeaders(req, res, args);
      session.beforeHeaders(req, res);
      return writeHead.apply(this, args);
    };
  }
}
