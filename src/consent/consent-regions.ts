import type { Request } from 'express';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';

/** The rules a request's region is under: prior consent (`opt-in`) or optional cookies on until refused (`opt-out`). */
export type ConsentRuleSet = 'opt-in' | 'opt-out';

/**
 * Where requests come from and which rules apply there (`consent.regions`). Without it every request is
 * under `opt-in`. The region is only ever what the app says: its function, or a header its edge sets.
 */
export interface ConsentRegionOptions {
  /**
   * A request header carrying the region (`CF-IPCountry`, `CloudFront-Viewer-Country`, …). Trusted only because
   * the app says so: the edge must set it on every request and strip any value a client sends.
   */
  header?: string;
  /** The app's own resolver: an ISO 3166-1 alpha-2 country or ISO 3166-2 subdivision, or nothing when unknown. */
  resolve?: (req: Request) => string | null | undefined;
  /** Regions with prior consent (a banner). A country covers its subdivisions unless one is listed apart. */
  optIn?: string[];
  /** Regions where optional categories are on until refused (a "Your privacy choices" link, no banner). */
  optOut?: string[];
  /** Rules for every other region and when no region is known. Default `'opt-in'` (the safe default). */
  default?: ConsentRuleSet;
}

export interface ResolvedConsentRegions {
  header: string | undefined;
  resolve: ((req: Request) => string | null | undefined) | undefined;
  rules: Map<string, ConsentRuleSet>;
  default: ConsentRuleSet;
}

/** ISO 3166-1 alpha-2 (`DE`) or ISO 3166-2 (`US-CA`, `GB-SCT`). */
const REGION = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
const HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

function fail(message: string): never {
  throw new AuthConsentConfigError(message);
}

/** Validates `consent.regions`; undefined when not configured (every request then under opt-in). */
export function resolveConsentRegions(input: ConsentRegionOptions | undefined): ResolvedConsentRegions | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null) fail('consent.regions must be an object.');
  if (input.header !== undefined && (typeof input.header !== 'string' || !HEADER.test(input.header)))
    fail(`consent.regions.header must be a header name; got ${JSON.stringify(input.header)}.`);
  if (input.resolve !== undefined && typeof input.resolve !== 'function')
    fail('consent.regions.resolve must be a function (req) => region.');
  if (input.header !== undefined && input.resolve !== undefined)
    fail('consent.regions: set either header or resolve, not both.');
  const ruleSet = input.default ?? 'opt-in';
  if (ruleSet !== 'opt-in' && ruleSet !== 'opt-out')
    fail(`consent.regions.default must be 'opt-in' or 'opt-out'; got ${JSON.stringify(ruleSet)}.`);
  const rules = new Map<string, ConsentRuleSet>();
  for (const [key, set] of [
    ['optIn', 'opt-in'],
    ['optOut', 'opt-out'],
  ] as const) {
    const list = input[key] ?? [];
    if (!Array.isArray(list)) fail(`consent.regions.${key} must be an array of region codes.`);
    for (const code of list) {
      if (typeof code !== 'string' || !REGION.test(code))
        fail(
          `consent.regions.${key}: ${JSON.stringify(code)} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code such as 'DE' or 'US-CA'.`,
        );
      if (rules.has(code) && rules.get(code) !== set)
        fail(`consent.regions: '${code}' is listed under both optIn and optOut.`);
      rules.set(code, set);
    }
  }
  return { header: input.header?.toLowerCase(), resolve: input.resolve, rules, default: ruleSet };
}

/** The request's region as the app says, upper-cased; undefined when unknown or not a region code (`XX`, `T1`). */
export function regionOf(regions: ResolvedConsentRegions | undefined, req: Request): string | undefined {
  if (!regions) return undefined;
  let raw: unknown;
  if (regions.resolve) raw = regions.resolve(req);
  else if (regions.header) raw = req.headers[regions.header];
  if (typeof raw !== 'string') return undefined;
  const code = raw.trim().toUpperCase();
  // Cloudflare's XX (unknown) and T1 (Tor) are not regions.
  return REGION.test(code) && code !== 'XX' && code !== 'T1' ? code : undefined;
}

/** The rule set of a region: the subdivision's own, else its country's, else the default. */
export function ruleSetOf(regions: ResolvedConsentRegions | undefined, region: string | undefined): ConsentRuleSet {
  if (!regions) return 'opt-in';
  if (!region) return regions.default;
  return regions.rules.get(region) ?? regions.rules.get(region.slice(0, 2)) ?? regions.default;
}
