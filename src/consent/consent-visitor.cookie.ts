import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { CONSENT_KEYS, type ConsentKeys } from './consent-keys.provider.js';
import type { ConsentSnapshot } from './consent-subject.js';

/** A verified visitor cookie. */
export interface VisitorCookieValue {
  visitorId: string;
  snapshot: ConsentSnapshot;
}

/**
 * The strictly necessary visitor cookie: `<id>.<snapshot>.<mac>`, a random 128-bit ID plus the decision
 * signed with a key derived from `consent.auditSecret`, so the gate reads a visitor's decision with no SQL.
 * A cookie whose MAC does not verify is ignored (the visitor is undecided).
 */
@Injectable()
export class ConsentVisitorCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) options: ResolvedAuthConsentOptions,
    @Inject(CONSENT_KEYS) private readonly keys: ConsentKeys,
  ) {
    this.secure = options.session.cookieSecure;
    // __Host- binds it to this host and path / and requires Secure, like the session cookie.
    this.name = this.secure ? `__Host-${options.consent.visitorCookieName}` : options.consent.visitorCookieName;
  }

  /** A new visitor ID: 128 random bits, unrelated to the session ID. */
  newVisitorId(): string {
    return randomBytes(16).toString('base64url');
  }

  private mac(data: string): Buffer {
    return createHmac('sha256', this.keys.cookie).update(data).digest();
  }

  encode(visitorId: string, snapshot: ConsentSnapshot): string {
    const payload = Buffer.from(JSON.stringify(snapshot)).toString('base64url');
    const data = `${visitorId}.${payload}`;
    return `${data}.${this.mac(data).toString('base64url')}`;
  }

  decode(raw: string | undefined): VisitorCookieValue | undefined {
    if (!raw || raw.length > 2048) return undefined;
    const parts = raw.split('.');
    if (parts.length !== 3 || !/^[A-Za-z0-9_-]{22}$/.test(parts[0])) return undefined;
    const expected = this.mac(`${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const snapshot = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as ConsentSnapshot;
      if (snapshot.sub !== `visitor:${parts[0]}`) return undefined;
      return { visitorId: parts[0], snapshot };
    } catch {
      return undefined;
    }
  }

  /** The Set-Cookie header value: HttpOnly, SameSite=Lax, Path=/, no Domain, living as long as the decision. */
  header(value: string, maxAgeMs: number): string {
    const maxAge = Math.max(0, Math.floor(maxAgeMs / 1000));
    const expires = new Date(Date.now() + maxAge * 1000).toUTCString();
    return `${this.name}=${value}; Max-Age=${maxAge}; Path=/; Expires=${expires}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie header value that deletes the cookie (with the attributes a `__Host-` cookie needs). */
  expiredHeader(): string {
    return `${this.name}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }
}

/** Cookie names and values of a request's Cookie header (no cookie-parser needed). */
export function parseCookieHeader(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}
