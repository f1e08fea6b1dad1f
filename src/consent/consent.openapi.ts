import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { DECISIONS_SCHEMA, NULLABLE_DATE_TIME } from '../common/openapi.js';

/** OpenAPI shapes of the consent routes' bodies and answers. */
export class ConsentCookieResponse {
  @ApiProperty({ type: String, description: 'The cookie name, or the source of its pattern.' })
  name: string;

  @ApiProperty({ type: String })
  purpose: string;

  @ApiProperty({ type: String, example: '1 year' })
  duration: string;

  @ApiProperty({ type: String, example: 'this site' })
  provider: string;
}

export class ConsentCategoryResponse {
  @ApiProperty({ type: String, example: 'analytics' })
  key: string;

  @ApiProperty({ type: String })
  name: string;

  @ApiProperty({ type: String })
  description: string;

  @ApiProperty({ type: Boolean })
  required: boolean;

  @ApiProperty({
    type: Boolean,
    description: 'Counts as sale or sharing: Sec-GPC: 1 keeps it refused unless granted over the signal.',
  })
  gpcOptOut: boolean;

  @ApiProperty({ type: [ConsentCookieResponse] })
  cookies: ConsentCookieResponse[];
}

export class ConsentConfigResponse {
  @ApiProperty({ type: String, example: '1' })
  policyVersion: string;

  @ApiProperty({ type: String, description: 'SHA-256 of the categories and the policy URL/text.' })
  policyHash: string;

  @ApiProperty({
    type: String,
    example: 'de',
    description:
      'The language of the texts below: the first of Accept-Language that has texts, else English, else consent.language.',
  })
  language: string;

  @ApiProperty({
    type: String,
    description: 'SHA-256 of the texts below (policy, categories, cookies, ui): what a decision names as textHash.',
  })
  textHash: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', properties: { version: { type: 'string' }, hash: { type: 'string' } } },
    description: 'Every language with texts: its text version and hash.',
    example: { en: { version: '1', hash: '…' } },
  })
  texts: Record<string, { version: string; hash: string }>;

  @ApiProperty({ type: String, required: false })
  policyUrl?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      "The banner's and the dialog's own strings in this language (built in, or the app's consent.ui / translations[…].ui).",
    example: { acceptAll: 'Alle akzeptieren', rejectAll: 'Alle ablehnen' },
  })
  ui: Record<string, string>;

  @ApiProperty({ type: [ConsentCategoryResponse] })
  categories: ConsentCategoryResponse[];
}

const GRANTED_DENIED: ApiPropertyOptions = { type: String, enum: ['granted', 'denied'] };

export class ConsentModeResponse {
  @ApiProperty(GRANTED_DENIED)
  analytics_storage: 'granted' | 'denied';

  @ApiProperty(GRANTED_DENIED)
  ad_storage: 'granted' | 'denied';

  @ApiProperty(GRANTED_DENIED)
  ad_user_data: 'granted' | 'denied';

  @ApiProperty(GRANTED_DENIED)
  ad_personalization: 'granted' | 'denied';
}

export class ConsentStateResponse {
  @ApiProperty({ type: String })
  policyVersion: string;

  @ApiProperty(DECISIONS_SCHEMA)
  decisions: Record<string, boolean>;

  @ApiProperty(NULLABLE_DATE_TIME)
  decidedAt: string | null;

  @ApiProperty(NULLABLE_DATE_TIME)
  expiresAt: string | null;

  @ApiProperty({ type: Boolean, description: 'No valid decision under the current policy version: the banner asks.' })
  needsConsent: boolean;

  @ApiProperty({ type: Boolean, description: 'The decision is the GPC default (Sec-GPC: 1).' })
  gpc: boolean;

  @ApiProperty({ type: ConsentModeResponse })
  consentMode: ConsentModeResponse;
}

/** Body of `PUT /consent`: decisions or a choice, and the policy version the visitor was shown. */
export class ConsentDecisionBody {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'boolean' },
    example: { analytics: true },
    description: 'Explicit decisions; categories left out keep their current valid value. Not with choice.',
  })
  decisions?: Record<string, boolean>;

  @ApiProperty({
    type: String,
    enum: ['accept-all', 'reject-all'],
    required: false,
    description: 'Instead of decisions.',
  })
  choice?: 'accept-all' | 'reject-all';

  @ApiProperty({ type: String, description: 'The current policy version (GET config); another one is a 409.' })
  policyVersion: string;

  @ApiProperty({ type: String, required: false, example: 'de-AT', description: 'A language tag.' })
  locale?: string;

  @ApiProperty({ type: String, enum: ['banner', 'settings', 'api'], required: false, default: 'banner' })
  source?: 'banner' | 'settings' | 'api';

  @ApiProperty({
    type: String,
    required: false,
    pattern: '^[0-9a-f]{64}$',
    description: 'The textHash of GET config the person was shown; a stale or unknown one is a 409.',
  })
  textHash?: string;

  @ApiProperty({
    type: Boolean,
    required: false,
    default: false,
    description:
      "Grants a sale/sharing category despite the browser's Global Privacy Control signal, after the notice; without it such a grant under Sec-GPC: 1 is a 409.",
  })
  gpcOverride?: boolean;
}

export class ConsentHistoryEntryResponse {
  @ApiProperty({ type: String, format: 'date-time' })
  at: string;

  @ApiProperty({ type: String, enum: ['grant', 'refuse', 'update', 'withdraw', 'expire', 'link', 'erase'] })
  action: string;

  @ApiProperty(DECISIONS_SCHEMA)
  decisions: Record<string, boolean>;

  @ApiProperty({ type: String })
  policyVersion: string;

  @ApiProperty({ type: String, enum: ['banner', 'settings', 'api', 'gpc', 'login', 'admin', 'system'] })
  source: string;
}

const CHAIN_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  description:
    "A subject's audit chain: {subject, algorithm, start, verification:{ok, checked, broken_at?, reason?}, events:[{seq, format, action, timestamp, …, prev_hash, hash}]}",
  additionalProperties: true,
};

/** `GET /consent/export`: the consent receipt (docs/consent.md, "Consent receipt"). */
export class ConsentReceiptResponse {
  @ApiProperty({ type: String })
  schema_version: string;

  @ApiProperty({ type: String, nullable: true })
  record_id: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  generated_at: string;

  @ApiProperty({ type: String })
  pii_principal_id: string;

  @ApiProperty({ type: 'object', properties: { type: { type: 'string', enum: ['user'] }, id: { type: 'string' } } })
  subject: { type: string; id: string };

  @ApiProperty({
    type: 'object',
    properties: {
      policy_version: { type: 'string' },
      policy_hash: { type: 'string' },
      policy_url: { type: 'string', nullable: true },
    },
  })
  notice: Record<string, unknown>;

  @ApiProperty({ type: String, nullable: true })
  collection_method: string | null;

  @ApiProperty({
    type: 'object',
    properties: Object.fromEntries(
      ['first_event_at', 'last_event_at', 'decided_at', 'expires_at'].map((k) => [
        k,
        { type: 'string', format: 'date-time', nullable: true },
      ]),
    ),
  })
  timestamps: Record<string, string | null>;

  @ApiProperty({
    type: 'object',
    properties: {
      valid_from: { type: 'string', format: 'date-time', nullable: true },
      valid_until: { type: 'string', format: 'date-time', nullable: true },
      status: { type: 'string', enum: ['active', 'expired', 'superseded-policy', 'none'] },
      needs_consent: { type: 'boolean' },
    },
  })
  validity: Record<string, unknown>;

  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        purpose_id: { type: 'string' },
        purpose: { type: 'string' },
        description: { type: 'string' },
        lawful_basis: { type: 'string', enum: ['strictly-necessary', 'consent'] },
        consent_state: { type: 'string', enum: ['granted', 'refused', 'not-decided'] },
        in_force: { type: 'boolean' },
        cookies: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  purposes: unknown[];

  @ApiProperty({ type: 'object', properties: { method: { type: 'string' }, description: { type: 'string' } } })
  withdrawal: Record<string, string>;

  @ApiProperty(CHAIN_SCHEMA)
  chain: Record<string, unknown>;

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'The visitor chains linked to the user at login, each as chain.',
  })
  linked_visitors: unknown[];
}
