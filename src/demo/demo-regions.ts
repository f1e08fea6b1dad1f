import type { ConsentRegionOptions } from '../consent/consent-regions.js';

/** EU and EEA member states, the United Kingdom (`GB`) and Switzerland: prior consent (ePrivacy, UK PECR, Swiss FADP). */
export const DEMO_OPT_IN_REGIONS = [
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
  'SE', // EU
  'IS',
  'LI',
  'NO', // EEA
  'GB',
  'CH',
];

/**
 * US states with a comprehensive consumer privacy law in force or enacted (opt-out of sale, sharing or targeted
 * advertising), as ISO 3166-2 codes. Checked on 2026-11-30 against published trackers (current to June 2026):
 * the 19 laws enacted through 2024 (none in 2025) and Oklahoma, Alabama and Louisiana, enacted in 2026; Florida's
 * narrow law (a $1 billion revenue threshold) is left out. It is configuration, not law: check it against a
 * current tracker before relying on it.
 */
export const DEMO_OPT_OUT_REGIONS = [
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
  'US-OK',
  'US-AL',
  'US-LA',
];

/**
 * The demo's rule sets: opt-in in the EU/EEA, UK and CH, opt-out in the listed US states, opt-in everywhere
 * else (a plain `US` included) and when no region is known. The region comes only from the header named by
 * CONSENT_REGION_HEADER, which the edge must set and strip from clients.
 */
export function demoRegions(header: string | undefined): ConsentRegionOptions {
  return { ...(header ? { header } : {}), optIn: DEMO_OPT_IN_REGIONS, optOut: DEMO_OPT_OUT_REGIONS, default: 'opt-in' };
}
