import { InvalidConsentException, StalePolicyVersionException, StaleTextException } from './consent.exceptions.js';
import type { ConsentPolicy } from './consent.policy.js';
import type { ConsentDecisions, ConsentSource } from './consent-subject.js';

/** A validated PUT /consent body. */
export interface ConsentInput {
  /** Explicit decisions (only the categories sent), or undefined with a choice. */
  decisions?: ConsentDecisions;
  choice?: 'accept-all' | 'reject-all';
  locale?: string;
  source: ConsentSource;
  /** The person confirmed granting gpcOverride categories despite their browser's GPC signal (after the notice). */
  gpcOverride: boolean;
  /** The text hash the decision was made on and its language; undefined when the client named none (an older banner). */
  text?: { hash: string; language: string };
}

/** The fields a decision body may carry (the OpenAPI schema documents each: test/openapi.e2e-spec.ts). */
export const CONSENT_BODY_FIELDS: ReadonlySet<string> = new Set([
  'decisions',
  'choice',
  'policyVersion',
  'locale',
  'source',
  'gpcOverride',
  'textHash',
]);
const FIELDS = CONSENT_BODY_FIELDS;
const SOURCES = new Set(['banner', 'settings', 'api']);

/** Validates a PUT /consent body completely before anything is written: any error leaves state untouched. */
export function parseConsentBody(body: unknown, policy: ConsentPolicy): ConsentInput {
  const bad = (message: string): never => {
    throw new InvalidConsentException(message);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    bad('The body must be a JSON object with decisions or choice, and policyVersion.');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (!FIELDS.has(key))
      bad(
        `Unknown field '${key}'; expected decisions or choice, policyVersion, textHash, locale, source, gpcOverride.`,
      );
  if (b.decisions !== undefined && b.choice !== undefined) bad('Send either decisions or choice, not both.');
  if (b.decisions === undefined && b.choice === undefined)
    bad('Send decisions ({"<category>": true|false}) or choice ("accept-all" or "reject-all").');
  let decisions: ConsentDecisions | undefined;
  if (b.decisions !== undefined) {
    if (typeof b.decisions !== 'object' || b.decisions === null || Array.isArray(b.decisions))
      bad('decisions must be an object of category keys to booleans.');
    decisions = {};
    for (const [key, value] of Object.entries(b.decisions as Record<string, unknown>)) {
      if (!policy.has(key))
        bad(`Unknown category '${key}'; the categories are ${policy.categories.map((c) => `'${c.key}'`).join(', ')}.`);
      if (typeof value !== 'boolean') bad(`decisions.${key} must be true or false; got ${JSON.stringify(value)}.`);
      if (policy.isRequired(key) && value === false) bad(`Category '${key}' is required and cannot be refused.`);
      decisions[key] = value as boolean;
    }
  }
  if (b.choice !== undefined && b.choice !== 'accept-all' && b.choice !== 'reject-all')
    bad(`Unknown choice ${JSON.stringify(b.choice)}; use "accept-all" or "reject-all".`);
  if (
    b.locale !== undefined &&
    (typeof b.locale !== 'string' || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$/.test(b.locale) || b.locale.length > 35)
  ) {
    bad('locale must be a language tag such as "en" or "de-AT".');
  }
  if (b.source !== undefined && (typeof b.source !== 'string' || !SOURCES.has(b.source)))
    bad('source must be "banner", "settings" or "api".');
  if (b.gpcOverride !== undefined && typeof b.gpcOverride !== 'boolean') bad('gpcOverride must be true or false.');
  if (typeof b.policyVersion !== 'string')
    bad('policyVersion is required: the version of the policy the visitor was shown (GET /consent/config).');
  if (b.policyVersion !== policy.version) throw new StalePolicyVersionException(b.policyVersion, policy.version);
  let text: ConsentInput['text'];
  if (b.textHash !== undefined) {
    if (typeof b.textHash !== 'string' || !/^[0-9a-f]{64}$/.test(b.textHash))
      bad('textHash must be the 64 hex characters of GET /consent/config textHash.');
    const language = policy.languageOfText(b.textHash as string);
    if (!language) throw new StaleTextException(b.textHash as string);
    text = { hash: b.textHash as string, language };
  }
  return {
    decisions,
    choice: b.choice as ConsentInput['choice'],
    locale: b.locale as string | undefined,
    source: (b.source as ConsentSource | undefined) ?? 'banner',
    gpcOverride: b.gpcOverride === true,
    text,
  };
}
