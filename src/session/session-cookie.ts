import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The session cookie: `s:<id>.<HMAC-SHA256(id) base64>`, URL-encoded, the format of express-session
 * (cookie-signature), so cookies it issued stay valid. The first secret signs, every secret verifies
 * (rotation). HttpOnly, SameSite=Lax, Path=/, no Domain; Expires only for a remembered login.
 */
export class SessionCookie {
  private readonly marker: string;

  constructor(
    readonly name: string,
    private readonly secrets: readonly string[],
    private readonly secure: boolean,
  ) {
    this.marker = `${name}=`;
  }

  /** A new session ID: 192 random bits, as express-session's. */
  static newId(): string {
    return randomBytes(24).toString('base64url');
  }

  /**
   * The session ID of a cookie value (see {@link valueIn}) when its signature verifies, and whether a secret
   * other than the first (one being rotated out) verified it; undefined for a forged or malformed value.
   */
  verify(raw: string): { id: string; rotated: boolean } | undefined {
    let value = raw;
    if (value.includes('%')) {
      try {
        value = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    const dot = value.lastIndexOf('.');
    if (!value.startsWith('s:') || dot < 3) return undefined;
    const id = value.slice(2, dot);
    const given = Buffer.from(value.slice(dot + 1));
    for (let i = 0; i < this.secrets.length; i++) {
      const expected = Buffer.from(this.mac(id, this.secrets[i]));
      if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, rotated: i > 0 };
    }
    return undefined;
  }

  /** The Set-Cookie value that issues `id`; `expiresAt` (ms) makes it persistent. */
  serialize(id: string, expiresAt: number | undefined): string {
    const value = encodeURIComponent(`s:${id}.${this.mac(id, this.secrets[0])}`);
    const expires = expiresAt === undefined ? '' : `; Expires=${new Date(expiresAt).toUTCString()}`;
    return `${this.name}=${value}; Path=/${expires}; HttpOnly${this.secure ? '; Secure' : ''}; SameSite=Lax`;
  }

  /**
   * The first `name=` value in the header that starts a cookie: at the start or right after `;` or `; `,
   * never inside another cookie's name or value.
   */
  valueIn(header: string | undefined): string | undefined {
    if (header === undefined) return undefined;
    let at = header.indexOf(this.marker);
    while (at > 0 && !(header[at - 1] === ';' || (header[at - 1] === ' ' && header[at - 2] === ';'))) at = header.indexOf(this.marker, at + 1);
    if (at < 0) return undefined;
    const start = at + this.marker.length;
    const end = header.indexOf(';', start);
    return header.slice(start, end < 0 ? undefined : end).trim();
  }

  private mac(id: string, secret: string): string {
    return createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  }
}
