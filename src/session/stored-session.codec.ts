import type { StoredSession } from './session.backend.js';
import type { SessionAuthMeta } from './session-meta.js';
import { compactUserAgent, expandUserAgent } from './user-agent-shorthand.js';

/**
 * The Redis value of a session: one string of lines, `user \n version \n times \n ip \n agent \n data`,
 * then one `key \t json` line per value propagated by setKeyForUser. A string, not a hash, because Redis
 * keeps a hash compact only while every value is under 64 bytes, and a browser's user agent or a consent
 * snapshot is longer: as a hash such a session costs about twice the memory. No line can hold a newline:
 * JSON has none, user IDs and propagated keys are checked, and HTTP headers (the user agent) cannot carry one.
 * The user agent is kept in shorthand (user-agent-shorthand.ts).
 * The Lua scripts (session-scripts.ts) read and rewrite the same layout.
 */
const USER_LINE = 0;
const VERSION_LINE = 1;
const DATA_LINE = 5;

export function encodeStoredSession(
  userId: string,
  version: string,
  meta: SessionAuthMeta | undefined,
  json: string,
): string {
  const times = meta
    ? `${meta.createdAt.toString(36)} ${meta.lastSeenAt.toString(36)} ${meta.absoluteExpiresAt.toString(36)} ${meta.remember ? 1 : 0}`
    : '';
  return [
    userId,
    version,
    times,
    oneLine(meta?.ip),
    meta?.userAgent ? compactUserAgent(meta.userAgent) : '',
    json,
  ].join('\n');
}

export function decodeStoredSession(value: string | null | undefined): StoredSession | null {
  if (!value) return null;
  const lines = value.split('\n');
  if (lines.length <= DATA_LINE) return null;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(lines[DATA_LINE]) as Record<string, unknown>;
    // Values set by setKeyForUser after this copy was written win over the copy (see SAVE_SCRIPT).
    for (let i = DATA_LINE + 1; i < lines.length; i++) {
      const tab = lines[i].indexOf('\t');
      if (tab > 0) data[lines[i].slice(0, tab)] = JSON.parse(lines[i].slice(tab + 1));
    }
  } catch {
    // A damaged value is no session (the visitor starts a new one), not an outage.
    return null;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  return {
    userId: lines[USER_LINE],
    meta: decodeMeta(lines[2], lines[3], lines[4]),
    data,
    version: lines[VERSION_LINE] || '0',
  };
}

/** The login facts of a stored session value, for the session list (only the lines it needs). */
export function decodeMeta(
  times: string | undefined,
  ip: string | undefined,
  agent: string | undefined,
): SessionAuthMeta | undefined {
  const t = times ? times.split(' ') : [];
  if (t.length !== 4) return undefined;
  const meta: SessionAuthMeta = {
    createdAt: parseInt(t[0], 36),
    lastSeenAt: parseInt(t[1], 36),
    absoluteExpiresAt: parseInt(t[2], 36),
    remember: t[3] === '1',
  };
  if (ip) meta.ip = ip;
  if (agent) meta.userAgent = expandUserAgent(agent);
  return meta;
}

/** Rejects what would break the line layout (a user ID or key is an app's choice). */
export function assertOneLine(what: string, value: string): void {
  if (/[\n\t]/.test(value)) throw new Error(`${what} must not contain a newline or a tab.`);
}

function oneLine(value: string | undefined): string {
  return value ? value.replace(/[\r\n\t]/g, ' ') : '';
}
