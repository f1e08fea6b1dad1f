import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { parseDuration, type Duration } from '../common/duration.js';
import { resolveConsentRegions, type ConsentRegionOptions, type ResolvedConsentRegions } from './consent-regions.js';
import {
  builtInUiTexts,
  CONSENT_UI_KEYS,
  CONSENT_UI_PLACEHOLDERS,
  type ConsentUiKey,
  type ConsentUiTexts,
} from './consent-ui.texts.js';

/**
 * A cookie a category covers: an exact `name`, or a `pattern` (a RegExp, or a glob where `*` matches any run
 * of characters). A RegExp is used without its g and y flags (it matches anywhere in the name unless
 * anchored: write `/^_ga/`, not `/_ga/y`).
 */
export interface ConsentCookieDeclaration {
  name?: string;
  pattern?: RegExp | string;
  /** What the cookie is for, as the banner shows it. */
  purpose: string;
  /** How long it lives, as the banner shows it (e.g. `'1 year'`). */
  duration: string;
  /** Who sets it (e.g. `'this site'`, `'Google'`). */
  provider: string;
  /** Path and domain used when the module expires the cookie on withdrawal. Default `'/'` and none. */
  path?: string;
  domain?: string;
}

export interface ConsentCategory {
  /** Stable key used in decisions (`'analytics'`). Letters, digits, `_` or `-`. */
  key: string;
  name: string;
  description: string;
  /** A required category is always granted and cannot be refused. `necessary` is always required. */
  required?: boolean;
  /** `Sec-GPC: 1` with no explicit decision refuses this category. Default `false`. */
  gpcOptOut?: boolean;
  cookies?: ConsentCookieDeclaration[];
}

/** Google Consent Mode v2 signals and the categories whose grant turns each one to `granted`. */
export interface ConsentModeLinks {
  analytics_storage?: string[];
  ad_storage?: string[];
  ad_user_data?: string[];
  ad_personalization?: string[];
}

/** Consent options (the `consent` key of the module options). */
export interface ConsentOptions {
  /**
   * The site's categories: `[{ key, name, description, required?, gpcOptOut?, cookies?: [{ name | pattern,
   * purpose, duration, provider, path?, domain? }] }]`. Default: `necessary` alone, which is always required
   * and added when missing. A cookie name is declared once; `gpcOptOut: true` marks a category that counts as
   * sale/sharing, refused while the browser sends `Sec-GPC: 1` unless granted over it.
   */
  categories?: ConsentCategory[];
  /** Bumping it makes every earlier decision stale (`needsConsent`). Default `'1'`. */
  policyVersion?: string;
  /**
   * The language (a BCP 47 tag) the configured texts (category names, descriptions, cookie purposes, policy
   * text) are written in: their text hash is published under it. Default `'en'`.
   */
  language?: string;
  /**
   * The texts in other languages (BCP 47 tag → texts): `{ de: { categories?: { <key>: { name?, description?,
   * cookies?: { <cookie name>: { purpose?, duration?, provider? } } } }, policyUrl?, policyText?, ui? } }`. What
   * a language leaves out is shown as configured (`ui`: built in). Each language gets its own text hash; a
   * language with no built-in banner strings needs a complete `ui`.
   */
  translations?: Record<string, ConsentTranslation>;
  /**
   * The banner's and the dialog's own strings in `language` (`{ acceptAll?, rejectAll?, customise?, bannerText?,
   * … }`), replacing the built-in ones (English, German, French, Spanish, Italian, Dutch, Polish, Portuguese).
   * `bannerText` and `gpcNotice` keep `{categories}`, `cookiesIn` and `gpcConflict` `{category}`. Required in
   * full for a language with none built in. Default: the built-in strings.
   */
  ui?: Partial<ConsentUiTexts>;
  /** Where the policy text lives, and/or the text itself; both enter the policy hash. Default none. */
  policyUrl?: string;
  /** The policy text itself (see `policyUrl`); it enters the policy hash. Default none. */
  policyText?: string;
  /** How long a decision that grants something stays valid. Default `'180d'`. */
  lifetime?: Duration;
  /** How long a decision that grants nothing optional stays valid. Default: `lifetime`. */
  refusalLifetime?: Duration;
  /** Set-Cookie of a name no category declares: `'allow'`, `'warn'` (log once per name; default) or `'block'`. */
  undeclaredCookies?: 'allow' | 'warn' | 'block';
  /** HMAC key of the audit chain and the visitor cookie, 32+ characters. Required in production; otherwise random per start, with a warning. */
  auditSecret?: string;
  /** Name of the visitor cookie; `__Host-` is prefixed when cookies are Secure. Default `'consent_visitor'`. */
  visitorCookieName?: string;
  /** Consent Mode v2 links. Default: analytics_storage ← `analytics`; the three ad signals ← `marketing`. */
  consentMode?: ConsentModeLinks;
  /** Fold audit events older than this into a signed checkpoint when `ConsentService.applyRetention()` runs. Default: keep forever. */
  retention?: Duration;
  /**
   * Consent writes by callers who are not signed in, per client address: at most `max` per `window` (PUT and
   * DELETE /consent answer 429 with Retry-After beyond it; GET /consent with `Sec-GPC: 1`, counted apart,
   * is answered without recording). `false` turns it off. Default `{ max: 100, window: '1m' }`: many visitors
   * may share one address (NAT, carrier-grade NAT); raise it if yours do.
   */
  anonymousWriteLimit?: { max: number; window: Duration } | false;
  /** Where requests come from and which rules apply there (opt-in, opt-out). Default: opt-in everywhere. */
  regions?: ConsentRegionOptions;
}

/** A category's texts in another language; `cookies` by the name the banner shows (the name, or the pattern's source). */
export interface ConsentCategoryTranslation {
  name?: string;
  description?: string;
  cookies?: Record<string, { purpose?: string; duration?: string; provider?: string }>;
}

/** One language's texts (`consent.translations`). */
export interface ConsentTranslation {
  policyUrl?: string;
  policyText?: string;
  categories?: Record<string, ConsentCategoryTranslation>;
  /** The banner's and the dialog's strings in this language (as `consent.ui`). */
  ui?: Partial<ConsentUiTexts>;
}

export interface ResolvedConsentCookie {
  name?: string;
  pattern?: RegExp;
  purpose: string;
  duration: string;
  provider: string;
  path: string;
  domain?: string;
}

export interface ResolvedConsentCategory {
  key: string;
  name: string;
  description: string;
  required: boolean;
  gpcOptOut: boolean;
  cookies: ResolvedConsentCookie[];
}

export interface ResolvedConsentOptions {
  categories: ResolvedConsentCategory[];
  policyVersion: string;
  language: string;
  translations: Record<string, ConsentTranslation>;
  /** The banner's and the dialog's strings of every language with texts (`language` and each translation), complete. */
  ui: Record<string, ConsentUiTexts>;
  policyUrl: string | undefined;
  policyText: string | undefined;
  lifetimeMs: number;
  refusalLifetimeMs: number;
  undeclaredCookies: 'allow' | 'warn' | 'block';
  /** Undefined when not configured: the module then requires it in production or draws a random one (see consent-keys.provider.ts). */
  auditSecret: string | undefined;
  visitorCookieName: string;
  consentMode: Required<ConsentModeLinks>;
  retentionMs: number | undefined;
  /** False when turned off. */
  anonymousWriteLimit: { max: number; windowMs: number } | false;
  /** Undefined when not configured: every request is then under opt-in. */
  regions: ResolvedConsentRegions | undefined;
}

function fail(message: string): never {
  throw new AuthConsentConfigError(message);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

const KEY = /^[A-Za-z0-9_-]{1,32}$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$/;

function resolveCookie(where: string, c: ConsentCookieDeclaration): ResolvedConsentCookie {
  if (typeof c !== 'object' || c === null)
    fail(`${where} must be an object with name or pattern, purpose, duration and provider.`);
  const hasName = c.name !== undefined;
  const hasPattern = c.pattern !== undefined;
  if (hasName === hasPattern) fail(`${where} must have exactly one of name or pattern.`);
  if (hasName && (typeof c.name !== 'string' || !COOKIE_NAME.test(c.name)))
    fail(`${where}.name must be a valid cookie name; got ${JSON.stringify(c.name)}.`);
  let pattern: RegExp | undefined;
  if (hasPattern) {
    // A copy without g and y: test() on those moves lastIndex, so the same name would match every other time.
    if (c.pattern instanceof RegExp) pattern = new RegExp(c.pattern.source, c.pattern.flags.replace(/[gy]/g, ''));
    else if (typeof c.pattern === 'string' && c.pattern.length > 0) pattern = globToRegExp(c.pattern);
    else fail(`${where}.pattern must be a RegExp or a glob string such as '_ga*'.`);
  }
  for (const field of ['purpose', 'duration', 'provider'] as const) {
    if (typeof c[field] !== 'string' || c[field].length === 0)
      fail(`${where}.${field} must be a non-empty string (the banner shows it).`);
  }
  if (c.path !== undefined && (typeof c.path !== 'string' || !c.path.startsWith('/')))
    fail(`${where}.path must start with '/'.`);
  if (c.domain !== undefined && (typeof c.domain !== 'string' || c.domain.length === 0))
    fail(`${where}.domain must be a non-empty string.`);
  return {
    name: c.name,
    pattern,
    purpose: c.purpose,
    duration: c.duration,
    provider: c.provider,
    path: c.path ?? '/',
    domain: c.domain,
  };
}

function resolveCategories(input: ConsentCategory[] | undefined): ResolvedConsentCategory[] {
  if (input !== undefined && !Array.isArray(input)) fail('consent.categories must be an array of categories.');
  const list = input ?? [];
  const seen = new Set<string>();
  const out: ResolvedConsentCategory[] = [];
  list.forEach((cat, i) => {
    const where = `consent.categories[${i}]`;
    if (typeof cat !== 'object' || cat === null) fail(`${where} must be an object with key, name and description.`);
    if (typeof cat.key !== 'string' || !KEY.test(cat.key))
      fail(`${where}.key must be 1-32 letters, digits, _ or -; got ${JSON.stringify(cat.key)}.`);
    if (seen.has(cat.key)) fail(`${where}.key '${cat.key}' is declared twice; keys must be unique.`);
    seen.add(cat.key);
    if (typeof cat.name !== 'string' || !cat.name) fail(`${where}.name must be a non-empty string.`);
    if (typeof cat.description !== 'string') fail(`${where}.description must be a string.`);
    if (cat.required !== undefined && typeof cat.required !== 'boolean') fail(`${where}.required must be a boolean.`);
    if (cat.key === 'necessary' && cat.required === false)
      fail(`consent.categories: 'necessary' is always required; remove required: false.`);
    const required = cat.key === 'necessary' || cat.required === true;
    if (cat.gpcOptOut !== undefined && typeof cat.gpcOptOut !== 'boolean')
      fail(`${where}.gpcOptOut must be a boolean.`);
    if (required && cat.gpcOptOut) fail(`${where}: a required category cannot be gpcOptOut.`);
    if (cat.cookies !== undefined && !Array.isArray(cat.cookies)) fail(`${where}.cookies must be an array.`);
    const cookies = (cat.cookies ?? []).map((c, j) => resolveCookie(`${where}.cookies[${j}]`, c));
    out.push({
      key: cat.key,
      name: cat.name,
      description: cat.description,
      required,
      gpcOptOut: cat.gpcOptOut ?? false,
      cookies,
    });
  });
  if (!seen.has('necessary')) {
    out.unshift({
      key: 'necessary',
      name: 'Strictly necessary',
      description: 'Needed for the site to work; cannot be refused.',
      required: true,
      gpcOptOut: false,
      cookies: [],
    });
  }
  const names = new Map<string, string>();
  for (const cat of out) {
    for (const c of cat.cookies) {
      if (!c.name) continue;
      const other = names.get(c.name);
      if (other && other !== cat.key)
        fail(
          `consent.categories: cookie '${c.name}' is declared by both '${other}' and '${cat.key}'; declare it once.`,
        );
      names.set(c.name, cat.key);
    }
  }
  return out;
}

/** A language's UI strings: the built-in ones with the app's overrides; every string must end up set. */
function resolveUi(where: string, language: string, overrides: Partial<ConsentUiTexts> | undefined): ConsentUiTexts {
  if (overrides !== undefined && (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)))
    fail(`${where} must be an object of UI strings.`);
  const known = new Set<string>(CONSENT_UI_KEYS);
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!known.has(key)) fail(`${where}.${key} is not a banner string; use ${CONSENT_UI_KEYS.join(', ')}.`);
    if (typeof value !== 'string' || value.trim().length === 0 || value.length > 1000)
      fail(`${where}.${key} must be a non-empty string of at most 1000 characters.`);
    const placeholder = CONSENT_UI_PLACEHOLDERS[key as ConsentUiKey];
    if (placeholder && !value.includes(placeholder))
      fail(`${where}.${key} must contain ${placeholder} (the banner puts the category names there).`);
  }
  const texts = { ...builtInUiTexts(language), ...overrides } as Partial<ConsentUiTexts>;
  const missing = CONSENT_UI_KEYS.filter((k) => texts[k] === undefined);
  if (missing.length > 0)
    fail(`${where}: no built-in banner strings in '${language}'; give all of them (missing: ${missing.join(', ')}).`);
  return texts as ConsentUiTexts;
}

/** Merges the consent defaults and validates them; throws AuthConsentConfigError naming a bad option. */
export function resolveConsentOptions(options: ConsentOptions = {}): ResolvedConsentOptions {
  if (typeof options !== 'object' || options === null) fail('consent must be an object.');
  const categories = resolveCategories(options.categories);
  const keys = new Set(categories.map((c) => c.key));

  const policyVersion = options.policyVersion ?? '1';
  if (typeof policyVersion !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(policyVersion)) {
    fail(`consent.policyVersion must be 1-64 letters, digits, '.', '_' or '-'; got ${JSON.stringify(policyVersion)}.`);
  }
  const lifetimeMs =
    parseDuration(options.lifetime ?? '180d') ??
    fail(`consent.lifetime must be a positive duration such as '180d'; got ${JSON.stringify(options.lifetime)}.`);
  const refusalLifetimeMs =
    options.refusalLifetime === undefined
      ? lifetimeMs
      : (parseDuration(options.refusalLifetime) ??
        fail(
          `consent.refusalLifetime must be a positive duration such as '30d'; got ${JSON.stringify(options.refusalLifetime)}.`,
        ));

  const undeclaredCookies = options.undeclaredCookies ?? 'warn';
  if (!['allow', 'warn', 'block'].includes(undeclaredCookies))
    fail(`consent.undeclaredCookies must be 'allow', 'warn' or 'block'; got ${JSON.stringify(undeclaredCookies)}.`);

  const secret = options.auditSecret;
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    fail('consent.auditSecret must be at least 32 characters (generate one with `openssl rand -base64 48`).');
  }

  const visitorCookieName = options.visitorCookieName ?? 'consent_visitor';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(visitorCookieName))
    fail(`consent.visitorCookieName must be 1-64 letters, digits, _ or -; got '${visitorCookieName}'.`);

  const defaults: Required<ConsentModeLinks> = {
    analytics_storage: keys.has('analytics') ? ['analytics'] : [],
    ad_storage: keys.has('marketing') ? ['marketing'] : [],
    ad_user_data: keys.has('marketing') ? ['marketing'] : [],
    ad_personalization: keys.has('marketing') ? ['marketing'] : [],
  };
  const consentMode = { ...defaults, ...(options.consentMode ?? {}) };
  for (const [signal, links] of Object.entries(consentMode)) {
    if (!(signal in defaults))
      fail(
        `consent.consentMode.${signal} is not a Consent Mode v2 signal; use analytics_storage, ad_storage, ad_user_data or ad_personalization.`,
      );
    if (!Array.isArray(links) || links.some((k) => !keys.has(k)))
      fail(`consent.consentMode.${signal} must list declared category keys; got ${JSON.stringify(links)}.`);
  }

  const retentionMs =
    options.retention === undefined
      ? undefined
      : (parseDuration(options.retention) ??
        fail(
          `consent.retention must be a positive duration such as '1095d'; got ${JSON.stringify(options.retention)}.`,
        ));

  const limit = options.anonymousWriteLimit ?? { max: 100, window: '1m' };
  if (
    limit !== false &&
    (typeof limit !== 'object' || limit === null || !Number.isInteger(limit.max) || limit.max < 1)
  ) {
    fail(
      `consent.anonymousWriteLimit must be false or { max: <integer ≥ 1>, window: <duration> }; got ${JSON.stringify(limit)}.`,
    );
  }
  const anonymousWriteLimit =
    limit === false
      ? false
      : {
          max: limit.max,
          windowMs:
            parseDuration(limit.window) ??
            fail(
              `consent.anonymousWriteLimit.window must be a positive duration such as '1m'; got ${JSON.stringify(limit.window)}.`,
            ),
        };

  if (options.policyUrl !== undefined && typeof options.policyUrl !== 'string')
    fail('consent.policyUrl must be a string.');
  if (options.policyText !== undefined && typeof options.policyText !== 'string')
    fail('consent.policyText must be a string.');

  const language = options.language ?? 'en';
  if (
    typeof language !== 'string' ||
    !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(language) ||
    language.length > 35
  ) {
    fail(`consent.language must be a language tag such as 'en' or 'de-AT'; got ${JSON.stringify(language)}.`);
  }

  const translations = options.translations ?? {};
  if (typeof translations !== 'object' || translations === null || Array.isArray(translations))
    fail('consent.translations must be an object of language tags to texts.');
  for (const [lang, t] of Object.entries(translations)) {
    const where = `consent.translations['${lang}']`;
    if (!/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(lang) || lang.length > 35)
      fail(`consent.translations: '${lang}' is not a language tag such as 'de' or 'pt-BR'.`);
    if (lang.toLowerCase() === language.toLowerCase())
      fail(`${where}: '${lang}' is consent.language, whose texts are the configured ones.`);
    if (typeof t !== 'object' || t === null) fail(`${where} must be an object.`);
    for (const field of ['policyUrl', 'policyText'] as const)
      if (t[field] !== undefined && typeof t[field] !== 'string') fail(`${where}.${field} must be a string.`);
    for (const [key, c] of Object.entries(t.categories ?? {})) {
      if (!keys.has(key)) fail(`${where}.categories.${key}: no category has this key.`);
      if (typeof c !== 'object' || c === null)
        fail(`${where}.categories.${key} must be an object with name and/or description.`);
      if (c.name !== undefined && (typeof c.name !== 'string' || !c.name))
        fail(`${where}.categories.${key}.name must be a non-empty string.`);
      if (c.description !== undefined && typeof c.description !== 'string')
        fail(`${where}.categories.${key}.description must be a string.`);
      if (c.cookies !== undefined && (typeof c.cookies !== 'object' || c.cookies === null || Array.isArray(c.cookies)))
        fail(`${where}.categories.${key}.cookies must be an object of cookie names to texts.`);
      const shown = new Set(categories.find((cat) => cat.key === key)!.cookies.map((k) => k.name ?? k.pattern!.source));
      for (const [name, texts] of Object.entries(c.cookies ?? {})) {
        if (!shown.has(name))
          fail(`${where}.categories.${key}.cookies['${name}']: the category declares no such cookie.`);
        if (typeof texts !== 'object' || texts === null)
          fail(
            `${where}.categories.${key}.cookies['${name}'] must be an object with purpose, duration and/or provider.`,
          );
        for (const field of ['purpose', 'duration', 'provider'] as const) {
          if (texts[field] !== undefined && (typeof texts[field] !== 'string' || !texts[field]))
            fail(`${where}.categories.${key}.cookies['${name}'].${field} must be a non-empty string.`);
        }
      }
    }
  }
  // Every language with texts gets the banner's strings too: built in, or given by the app.
  const ui: Record<string, ConsentUiTexts> = { [language]: resolveUi('consent.ui', language, options.ui) };
  for (const [lang, t] of Object.entries(translations))
    ui[lang] = resolveUi(`consent.translations['${lang}'].ui`, lang, t.ui);

  return {
    categories,
    policyVersion,
    language,
    translations,
    ui,
    policyUrl: options.policyUrl,
    policyText: options.policyText,
    lifetimeMs,
    refusalLifetimeMs,
    undeclaredCookies,
    auditSecret: secret,
    visitorCookieName,
    consentMode,
    retentionMs,
    anonymousWriteLimit,
    regions: resolveConsentRegions(options.regions),
  };
}
