/** Whose decision: a signed-in user, or a visitor known by the `consent_visitor` cookie. */
export interface ConsentSubject {
  type: 'user' | 'visitor';
  id: string;
}

/** Decisions per category key. */
export type ConsentDecisions = Record<string, boolean>;

/**
 * A decision as the gate reads it without SQL: kept in the session (`req.session.consent`) for users and
 * signed inside the visitor cookie for visitors. Times are epoch milliseconds.
 */
export interface ConsentSnapshot {
  /** Policy version the decision was made under. */
  v: string;
  d: ConsentDecisions;
  at: number;
  exp: number;
  /** True when the decision came from `Sec-GPC: 1` and no explicit choice has been made yet. */
  gpc: boolean;
  /** Subject the snapshot belongs to, so a snapshot is never applied to someone else. */
  sub: string;
}

/** What `GET /consent` answers and what `@Consent()` gives. */
export interface ConsentState {
  policyVersion: string;
  decisions: ConsentDecisions;
  decidedAt: string | null;
  expiresAt: string | null;
  needsConsent: boolean;
  gpc: boolean;
  consentMode: {
    analytics_storage: 'granted' | 'denied';
    ad_storage: 'granted' | 'denied';
    ad_user_data: 'granted' | 'denied';
    ad_personalization: 'granted' | 'denied';
  };
}

export type ConsentAction = 'grant' | 'refuse' | 'update' | 'withdraw' | 'expire' | 'link' | 'erase';
export type ConsentSource = 'banner' | 'settings' | 'api' | 'gpc' | 'login' | 'admin' | 'system';

/** Request context recorded with an event: already truncated / bounded. */
export interface ConsentEventContext {
  ip?: string | null;
  userAgent?: string | null;
  locale?: string | null;
}
