import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthConsentModuleOptions, ConsentCategory } from '../../src/index.js';
import type { AuthOptions } from '../../src/auth/auth.options.js';
import type { ConsentOptions } from '../../src/consent/consent.options.js';
import type { ConsentRegionOptions } from '../../src/consent/consent-regions.js';
import { TEST_SECRET } from './services.js';

/**
 * The options the demo gives the module (its four categories, its region rule sets) as a test fixture, so the
 * library specs that need a site with tracking cookies boot a small library app with them instead of the
 * demo. A copy on purpose: the demo may change its configuration without changing what these specs test.
 */

export const AUDIT_SECRET = 'consent-audit-secret-for-tests-0123456789';

/** Four categories: each optional one covers one cookie that GET /demo/track ({@link TrackController}) tries to set. */
export const TRACKING_CATEGORIES: ConsentCategory[] = [
  {
    key: 'necessary',
    name: 'Strictly necessary',
    description: 'Sign-in session and your consent choice.',
    required: true,
  },
  {
    key: 'preferences',
    name: 'Preferences',
    description: 'Remembers your display choices.',
    cookies: [{ name: 'demo_theme', purpose: 'Colour theme', duration: '1 year', provider: 'this site' }],
  },
  {
    key: 'analytics',
    name: 'Analytics',
    description: 'Counts visits to improve the site.',
    cookies: [{ name: 'demo_analytics', purpose: 'Visit statistics', duration: '1 year', provider: 'this site' }],
  },
  {
    key: 'marketing',
    name: 'Marketing',
    description: 'Personalised advertising.',
    gpcOptOut: true,
    cookies: [{ name: 'demo_ads', purpose: 'Advertising identifier', duration: '90 days', provider: 'this site' }],
  },
];

/** EU and EEA member states, the United Kingdom and Switzerland: prior consent. */
const OPT_IN_REGIONS = [
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  'IS',
  'LI',
  'NO',
  'GB',
  'CH',
];

/** US states with a consumer privacy law (opt-out of sale, sharing or targeted advertising). */
const OPT_OUT_REGIONS = [
  'US-CA',
  'US-VA',
  'US-CO',
  'US-CT',
  'US-UT',
  'US-TX',
  'US-OR',
  'US-MT',
  'US-IA',
  'US-DE',
  'US-NH',
  'US-NJ',
  'US-NE',
  'US-TN',
  'US-MN',
  'US-MD',
  'US-IN',
  'US-KY',
  'US-RI',
];

/** Opt-in in the EU/EEA, UK and CH, opt-out in the listed US states, opt-in elsewhere; the region from `header` only. */
export function trackingRegions(header?: string): ConsentRegionOptions {
  return { ...(header ? { header } : {}), optIn: OPT_IN_REGIONS, optOut: OPT_OUT_REGIONS, default: 'opt-in' };
}

export interface TrackingSite {
  database: { url: string; tablePrefix?: string };
  /** A Redis URL; none: the in-process store. */
  redisUrl?: string;
  redisPrefix?: string;
  policyVersion?: string;
  /** The request header that carries the region (the demo's CONSENT_REGION_HEADER). */
  regionHeader?: string;
  /** Default: TEST_SECRET; `null`: none (the module makes a random one). */
  sessionSecret?: string | null;
  /** Default: AUDIT_SECRET; `null`: none. */
  auditSecret?: string | null;
  /** Cookie flags and proxy, as COOKIE_SECURE and TRUST_PROXY set them. */
  cookieSecure?: boolean;
  trustProxy?: boolean;
  /** A spec's own auth options (FAST_ARGON2, …). */
  auth?: AuthOptions;
  /** A spec's own consent options, over the fixture's (retention, translations, other categories, …). */
  consent?: Partial<ConsentOptions>;
}

/** Module options of a site with the tracking categories, as the demo builds them from its environment. */
export function trackingOptions(site: TrackingSite): AuthConsentModuleOptions {
  const secret = site.sessionSecret === undefined ? TEST_SECRET : site.sessionSecret;
  const auditSecret = site.auditSecret === undefined ? AUDIT_SECRET : site.auditSecret;
  return {
    redis: site.redisUrl ? { url: site.redisUrl } : undefined,
    database: site.database,
    session: {
      secret: secret === null ? undefined : [secret],
      redisPrefix: site.redisPrefix,
      cookieSecure: site.cookieSecure,
    },
    trustProxy: site.trustProxy,
    ...(site.auth ? { auth: site.auth } : {}),
    consent: {
      categories: TRACKING_CATEGORIES,
      policyVersion: site.policyVersion,
      auditSecret: auditSecret ?? undefined,
      regions: trackingRegions(site.regionHeader),
      ...site.consent,
    },
  };
}

/**
 * Deliberately ignores consent: tries to set all three tracking cookies on every call, each through a different
 * API, so a spec sees which ones the module's gate lets through.
 */
@Controller('demo')
export class TrackController {
  @Get('track')
  track(@Res({ passthrough: true }) res: Response): { tried: string[] } {
    res.cookie('demo_theme', 'dark', { path: '/', sameSite: 'lax', maxAge: 365 * 86_400_000 });
    const prior = res.getHeader('Set-Cookie');
    const lines = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    res.setHeader('Set-Cookie', [...lines, 'demo_analytics=a1; Path=/; Max-Age=31536000; SameSite=Lax']);
    res.append('Set-Cookie', 'demo_ads=x1; Path=/; Max-Age=7776000; SameSite=Lax');
    return { tried: ['demo_theme', 'demo_analytics', 'demo_ads'] };
  }
}
