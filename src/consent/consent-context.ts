import type { Request } from 'express';
import type { ConsentRuleSet } from './consent-regions.js';
import type { ConsentSnapshot, ConsentState, ConsentSubject } from './consent-subject.js';

/** What the gate resolved for one request; the gate reads it again when headers are written. */
export interface ConsentRequestContext {
  subject: ConsentSubject | null;
  snapshot: ConsentSnapshot | null;
  /** The request carried `Sec-GPC: 1`. */
  gpc: boolean;
  /** The request's region (undefined: unknown) and the rules it is under. */
  region: string | undefined;
  ruleSet: ConsentRuleSet;
  /** Names in the request's Cookie header (to expire pattern-declared cookies). */
  cookieNames: string[];
  /** The state under the current policy and clock (what `@Consent()` gives). */
  state: () => ConsentState;
}

/** Resolves a request's context without I/O; the gate leaves one on the app's request prototype. */
export interface ConsentContextResolver {
  resolveNow(req: Request): ConsentRequestContext;
}

const CONTEXT = Symbol('nestjs-auth-consent:consent');
const RESOLVER = Symbol('nestjs-auth-consent:consent-resolver');

type WithContext = Request & { [CONTEXT]?: ConsentRequestContext; [RESOLVER]?: ConsentContextResolver };

/** The request's context: resolved on first use, so a response that sets no cookie and never asks costs nothing. */
export function getConsentContext(req: Request): ConsentRequestContext | undefined {
  const r = req as WithContext;
  let ctx = r[CONTEXT];
  if (!ctx && r[RESOLVER]) ctx = r[CONTEXT] = r[RESOLVER].resolveNow(req);
  return ctx;
}

/** The context if it was resolved already (no lazy resolution). */
export function peekConsentContext(req: Request): ConsentRequestContext | undefined {
  return (req as WithContext)[CONTEXT];
}

export function deferConsentContext(req: Request, resolver: ConsentContextResolver): void {
  (req as WithContext)[RESOLVER] = resolver;
}

export function setConsentContext(req: Request, ctx: ConsentRequestContext): void {
  (req as WithContext)[CONTEXT] = ctx;
}

declare module 'express-session' {
  interface SessionData {
    /** The signed-in user's consent snapshot (`null`: no decision), so the gate reads no SQL per request. */
    consent?: ConsentSnapshot | null;
  }
}
