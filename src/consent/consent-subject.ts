import type { ConsentRuleSet } from './consent-regions.js';

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
  /**
   * True when the decision was made while the browser sent `Sec-GPC: 1`: only such a decision can keep a
   * gpcOptOut category granted under the signal (an explicit override after the conflict notice). Absent: false.
   */
  sig?: boolean;
  /** True when the decision was made under opt-out rules: under opt-in rules it is not prior consent. Absent: false. */
  oo?: boolean;
  /** The text hash the decision was made on (GET /consent/config `textHash`); absent for decisions that named none. */
  th?: string;
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
  /** The request sent `Sec-GPC: 1` (or the decision is the GPC default refusal). */
  gpc: boolean;
  /** The signal is present and every gpcOptOut (sale/sharing) category is refused: what a page may call "GPC honoured". */
  gpcHonoured: boolean;
  /** gpcOptOut categories the subject granted explicitly over the signal (after the conflict notice). */
  gpcOverride: string[];
  /** The rules the request is under (`consent.regions`): `opt-out` grants optional categories until refused. */
  ruleSet: ConsentRuleSet;
  /** The request's region as the app's resolver or trusted header says, or null when unknown. */
  region: string | null;
  consentMode: {
    analytics_storage: 'granted' | 'denied';
    ad_storage: 'granted' | 'denied';
    ad_user_data: 'granted' | 'denied';
    ad_personalization: 'granted' | 'denied';
  };
}

export type ConsentAction = 'grant' | 'refuse' | 'update' | 'withdraw' | 'expire' | 'link' | 'erase';
export type ConsentSource = 'banner' | 'settings' | 'api' | 'gpc' | 'login' | 'admin' | 'system';

/**
 * Optional fields of an event (format 2, hashed when present): the GPC signal the request carried and the
 * gpcOptOut categories the subject granted over it.
 */
export interface ConsentEventDetail {
  gpc?: true;
  gpcOverride?: string[];
  /** The rule set the decision was made under, and the region it was resolved from (when `consent.regions` is set). */
  ruleSet?: ConsentRuleSet;
  region?: string;
  /** The text hash the decision was made on, and its language. */
  textHash?: string;
  language?: string;
}

/** Request context recorded with an event: already truncated / bounded. */
export interface ConsentEventContext {
  ip?: string | null;
  userAgent?: string | null;
  locale?: string | null;
}
