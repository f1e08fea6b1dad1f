import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { canonicalJson } from './consent-canonical.js';
import type {
  ConsentTranslation,
  ResolvedConsentCategory,
  ResolvedConsentCookie,
  ResolvedConsentOptions,
} from './consent.options.js';
import type { ConsentRuleSet } from './consent-regions.js';
import type { ConsentUiTexts } from './consent-ui.texts.js';
import type { ConsentDecisions, ConsentSnapshot, ConsentState } from './consent-subject.js';

/** The public view of the configuration (`GET /consent/config`). */
export interface ConsentConfigView {
  policyVersion: string;
  policyHash: string;
  /** The language of the texts below, and their text hash: what a decision names (`textHash` of PUT /consent). */
  language: string;
  textHash: string;
  /** Every language's text version and hash (SHA-256 of the texts shown in it). */
  texts: Record<string, { version: string; hash: string }>;
  policyUrl?: string;
  /** The banner's and the dialog's own strings in `language` (built in or the app's). */
  ui: ConsentUiTexts;
  categories: Array<{
    key: string;
    name: string;
    description: string;
    required: boolean;
    /** Counts as sale/sharing: `Sec-GPC: 1` keeps it refused unless granted explicitly over the signal. */
    gpcOptOut: boolean;
    cookies: Array<{ name: string; purpose: string; duration: string; provider: string }>;
  }>;
}

/** A cookie to expire: its name, path and domain. */
export interface CookieToExpire {
  name: string;
  path: string;
  domain?: string;
}

/**
 * The site's categories and policy: version, content hash, which category a cookie name belongs to, and the
 * pure rules turning a snapshot into a state (validity, Consent Mode).
 */
@Injectable()
export class ConsentPolicy {
  readonly options: ResolvedConsentOptions;
  readonly version: string;
  /** SHA-256 of the canonical category configuration and policy URL/text: proves which text a decision was made under. */
  readonly hash: string;
  readonly categories: ResolvedConsentCategory[];
  private readonly byName = new Map<string, string>();
  private readonly patterns: Array<{ pattern: RegExp; key: string }> = [];
  /** The public view per language (the configured language first). */
  private readonly views = new Map<string, ConsentConfigView>();
  /** Text hash per language, and the language of each hash (a decision's `textHash` names both). */
  readonly texts: Record<string, { version: string; hash: string }>;
  private readonly languageOfHash = new Map<string, string>();

  constructor(@Inject(AUTH_CONSENT_OPTIONS) all: ResolvedAuthConsentOptions) {
    this.options = all.consent;
    this.version = this.options.policyVersion;
    this.categories = this.options.categories;
    for (const cat of this.categories) {
      for (const c of cat.cookies) {
        if (c.name) this.byName.set(c.name, cat.key);
        if (c.pattern) this.patterns.push({ pattern: c.pattern, key: cat.key });
      }
    }
    const describe = (c: ResolvedConsentCookie) => ({
      name: c.name ?? c.pattern!.source,
      purpose: c.purpose,
      duration: c.duration,
      provider: c.provider,
    });
    const material = {
      version: this.version,
      url: this.options.policyUrl ?? null,
      text: this.options.policyText ?? null,
      categories: this.categories.map((c) => ({
        ...c,
        cookies: c.cookies.map((k) => ({ ...describe(k), path: k.path, domain: k.domain ?? null })),
      })),
    };
    this.hash = createHash('sha256').update(canonicalJson(material)).digest('hex');
    // What a person reads, per language: the policy, every category's texts (not paths or domains) and the
    // banner's own strings, so a receipt's hash proves the buttons and notices too.
    this.texts = {};
    const languages: Array<[string, ConsentTranslation]> = [
      [this.options.language, {}],
      ...Object.entries(this.options.translations),
    ];
    const pending: Array<[string, Omit<ConsentConfigView, 'texts'>]> = [];
    for (const [language, t] of languages) {
      const url = t.policyUrl ?? this.options.policyUrl;
      const text = {
        version: this.version,
        language,
        url: url ?? null,
        text: t.policyText ?? this.options.policyText ?? null,
        categories: this.categories.map((c) => ({
          key: c.key,
          name: t.categories?.[c.key]?.name ?? c.name,
          description: t.categories?.[c.key]?.description ?? c.description,
          required: c.required,
          gpcOptOut: c.gpcOptOut,
          cookies: c.cookies.map((k) => {
            const shown = describe(k);
            const tr = t.categories?.[c.key]?.cookies?.[shown.name];
            return {
              name: shown.name,
              purpose: tr?.purpose ?? shown.purpose,
              duration: tr?.duration ?? shown.duration,
              provider: tr?.provider ?? shown.provider,
            };
          }),
        })),
        ui: this.options.ui[language],
      };
      const textHash = createHash('sha256').update(canonicalJson(text)).digest('hex');
      this.texts[language] = { version: this.version, hash: textHash };
      this.languageOfHash.set(textHash, language);
      pending.push([
        language,
        {
          policyVersion: this.version,
          policyHash: this.hash,
          language,
          textHash,
          ...(url ? { policyUrl: url } : {}),
          ui: text.ui,
          categories: text.categories,
        },
      ]);
    }
    for (const [language, view] of pending) this.views.set(language.toLowerCase(), { ...view, texts: this.texts });
  }

  /**
   * The view in the first of `wanted` (language tags, best first: the app's or page's, then Accept-Language)
   * that has texts, else English when it has texts, else the configured language.
   */
  configView(wanted: string[] = []): ConsentConfigView {
    for (const tag of [...wanted, 'en']) {
      const lower = tag.toLowerCase();
      const view = this.views.get(lower) ?? this.views.get(lower.split('-')[0]);
      if (view) return view;
    }
    return this.views.get(this.options.language.toLowerCase())!;
  }

  has(key: string): boolean {
    return this.categories.some((c) => c.key === key);
  }

  isRequired(key: string): boolean {
    return this.categories.some((c) => c.key === key && c.required);
  }

  /** The category that declares a cookie name, or undefined when none does. */
  categoryOfCookie(name: string): string | undefined {
    const exact = this.byName.get(name);
    if (exact) return exact;
    return this.patterns.find((p) => p.pattern.test(name))?.key;
  }

  /** Every category set: required ones true, the others from `decisions` (missing means refused). */
  complete(decisions: ConsentDecisions): ConsentDecisions {
    const out: ConsentDecisions = {};
    for (const c of this.categories) out[c.key] = c.required || decisions[c.key] === true;
    return out;
  }

  /** Required only: what an undecided subject has. */
  undecided(): ConsentDecisions {
    return this.complete({});
  }

  grantsAnyOptional(decisions: ConsentDecisions): boolean {
    return this.categories.some((c) => !c.required && decisions[c.key] === true);
  }

  /** The language whose current text has this hash; undefined when no current text has it (stale or wrong). */
  languageOfText(hash: string): string | undefined {
    return this.languageOfHash.get(hash);
  }

  /**
   * A snapshot counts only under the current policy version, before it expires, and, when it names the text it
   * was made on, while that text is still current in its language (a changed text asks again those who saw it).
   */
  isValid(snapshot: ConsentSnapshot | null | undefined, now: number): snapshot is ConsentSnapshot {
    return (
      !!snapshot &&
      snapshot.v === this.version &&
      now < snapshot.exp &&
      (snapshot.th === undefined || this.languageOfHash.has(snapshot.th))
    );
  }

  /**
   * What the gate may let through: required categories always, others only under a valid, explicit-or-GPC
   * decision. With the GPC signal (CPRA regulations §7025(c)(3)) a gpcOptOut category stays refused unless the
   * decision itself was made under the signal, which is how an explicit override after the notice is kept:
   * an earlier grant made without the signal yields to it.
   */
  effective(
    snapshot: ConsentSnapshot | null | undefined,
    now: number,
    gpcSignal = false,
    ruleSet: ConsentRuleSet = 'opt-in',
  ): ConsentDecisions {
    const valid = this.isValid(snapshot, now);
    // Without an explicit decision (none, or only the GPC default refusal) the rule set decides: opt-out grants
    // every optional category until refused; the GPC default still refuses the sale/sharing ones below.
    // A decision made under opt-out rules is no prior consent under opt-in rules: there it counts as none.
    const explicit = valid && !snapshot.gpc && !(ruleSet === 'opt-in' && snapshot.oo === true);
    const decisions = explicit ? this.complete(snapshot.d) : ruleSet === 'opt-out' ? this.all() : this.undecided();
    const signal = gpcSignal || (valid && snapshot.gpc);
    if (signal && !(explicit && snapshot.sig === true)) {
      for (const c of this.categories) if (c.gpcOptOut) decisions[c.key] = false;
    }
    return decisions;
  }

  /** Every category granted: opt-out rules before a refusal, and "Accept all". */
  all(): ConsentDecisions {
    return Object.fromEntries(this.categories.map((c) => [c.key, true]));
  }

  /** The gpcOptOut categories of a list of decisions that are granted. */
  gpcOptOutGranted(decisions: ConsentDecisions): string[] {
    return this.categories.filter((c) => c.gpcOptOut && decisions[c.key] === true).map((c) => c.key);
  }

  state(
    snapshot: ConsentSnapshot | null | undefined,
    now: number,
    gpcHeader = false,
    ruleSet: ConsentRuleSet = 'opt-in',
    region?: string,
  ): ConsentState {
    const valid = this.isValid(snapshot, now);
    const decisions = this.effective(snapshot, now, gpcHeader, ruleSet);
    const gpc = (valid && snapshot.gpc) || gpcHeader;
    const overridden = gpc ? this.gpcOptOutGranted(decisions) : [];
    const mode = (keys: string[]) => (keys.length > 0 && keys.every((k) => decisions[k]) ? 'granted' : 'denied');
    const links = this.options.consentMode;
    return {
      policyVersion: this.version,
      decisions,
      decidedAt: valid ? new Date(snapshot.at).toISOString() : null,
      expiresAt: valid ? new Date(snapshot.exp).toISOString() : null,
      // A GPC refusal answers only the gpcOptOut categories: the banner still asks about the rest. Opt-out
      // rules never ask first (the banner offers a "Your privacy choices" link instead).
      needsConsent: ruleSet === 'opt-out' ? false : !valid || snapshot.gpc || snapshot.oo === true,
      gpc,
      gpcHonoured: gpc && overridden.length === 0,
      gpcOverride: overridden,
      ruleSet,
      region: region ?? null,
      consentMode: {
        analytics_storage: mode(links.analytics_storage),
        ad_storage: mode(links.ad_storage),
        ad_user_data: mode(links.ad_user_data),
        ad_personalization: mode(links.ad_personalization),
      },
    };
  }

  /** Lifetime of a decision: refusals may have their own. */
  lifetimeOf(decisions: ConsentDecisions): number {
    return this.grantsAnyOptional(decisions) ? this.options.lifetimeMs : this.options.refusalLifetimeMs;
  }

  /** Declared cookies of the refused categories, plus request cookies matching their patterns. */
  cookiesToExpire(decisions: ConsentDecisions, requestCookieNames: string[]): CookieToExpire[] {
    const out = new Map<string, CookieToExpire>();
    for (const cat of this.categories) {
      if (decisions[cat.key]) continue;
      for (const c of cat.cookies) {
        if (c.name) out.set(`${c.name}|${c.path}|${c.domain ?? ''}`, { name: c.name, path: c.path, domain: c.domain });
        if (c.pattern) {
          for (const name of requestCookieNames) {
            if (c.pattern.test(name))
              out.set(`${name}|${c.path}|${c.domain ?? ''}`, { name, path: c.path, domain: c.domain });
          }
        }
      }
    }
    return [...out.values()];
  }
}
