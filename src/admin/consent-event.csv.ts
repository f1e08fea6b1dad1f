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

/** A signed number or identifier (`-3`, `-1.5`, a base64url ID such as `-Xk3_a`): no call, no operator but a sign. */
const PLAIN = /^[+-][\w.-]*$/;
/** Where a spreadsheet may start a cell inside a value: a ';' or tab (another separator), a line break. */
const SEPARATOR = /([;\t\r\n])([^;\t\r\n]*)/g;

/**
 * A `'` before `part` when a spreadsheet would read it as a formula: it starts with `=`, `@`, `+` or `-`
 * (at the start of the cell also tab or CR, which some strip; after a separator also behind a `"`, which may
 * open a quoted cell there), except a `+`/`-` that starts a plain number or identifier.
 */
function defused(part: string, cellStart: boolean): string {
  if (!(cellStart ? /^[=+\-@\t\r]/ : /^"*[=+\-@]/).test(part) || PLAIN.test(part)) return part;
  return `'${part}`;
}

/**
 * One RFC 4180 cell. A `'` goes before what a spreadsheet would run as a formula (OWASP's CSV injection
 * advice), at the start of the cell and after each `;`, tab or line break in it: Excel in a locale whose list
 * separator is `;` splits a line there, and may not honour a quote that opens in mid-field. Numbers and
 * identifiers that merely begin with `-` or `+` are left as they are. A cell containing `"`, `,`, `;`, tab,
 * CR or LF is quoted.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  let safe = defused(text, true);
  if (/[;\t\r\n]/.test(text))
    safe = safe.replace(SEPARATOR, (_all, separator: string, part: string) => separator + defused(part, false));
  return /[",;\t\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
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
