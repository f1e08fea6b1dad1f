import type { Request } from 'express';
import type { ConsentSnapshot, ConsentState, ConsentSubject } from './consent-subject.js';

/** What the gate resolved for one request; the gate reads it again when headers are written. */
export interface ConsentRequestContext {
  subject: ConsentSubject | null;
  snapshot: ConsentSnapshot | null;
  /** The request carried `Sec-GPC: 1`. */
  gpc: boolean;
  /** Names in the request's Cookie header (to expire pattern-declared cookies). */
  cookieNames: string[];
  /** The state under the current policy and clock (what `@Consent()` gives). */
  state: () => ConsentState;
}

const CONTEXT = Symbol('nestjs-auth-consent:consent');

type WithContext = Request & { [CONTEXT]?: ConsentRequestContext };

export function getConsentContext(req: Request): ConsentRequestContext | undefined {
  return (req as WithContext)[CONTEXT];
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
