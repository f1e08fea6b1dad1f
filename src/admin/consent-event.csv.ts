import type { ConsentEventView } from './consent-event.view.js';

/**
 * The export's CSV columns, in this order (stable: new columns are only ever appended). Decisions are
 * JSON objects; empty cells are nulls.
 */
export const CONSENT_EVENT_CSV_COLUMNS = [
  'id',
  'created_at',
  'subject_type',
  'subject_id',
  'seq',
  'action',
  'source',
  'decisions_before',
  'decisions_after',
  'policy_version',
  'policy_hash',
  'locale',
  'ip',
  'user_agent',
  'prev_hash',
  'hash',
] as const;

/**
 * One RFC 4180 cell. A value a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
 * leading apostrophe (OWASP's CSV injection advice); a cell with a comma, quote or line break is quoted.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function json(value: Record<string, boolean> | null): string | null {
  return value === null ? null : JSON.stringify(value);
}

export function csvHeader(): string {
  return `${CONSENT_EVENT_CSV_COLUMNS.join(',')}\r\n`;
}

/** One CRLF-terminated CSV line for an event, in {@link CONSENT_EVENT_CSV_COLUMNS} order. */
export function csvLine(e: ConsentEventView): string {
  return (
    [
      e.id,
      e.createdAt,
      e.subjectType,
      e.subjectId,
      e.seq,
      e.action,
      e.source,
      json(e.decisionsBefore),
      json(e.decisionsAfter),
      e.policyVersion,
      e.policyHash,
      e.locale,
      e.ip,
      e.userAgent,
      e.prevHash,
      e.hash,
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}
