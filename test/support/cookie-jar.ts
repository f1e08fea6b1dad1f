/**
 * The one cookie jar and the Set-Cookie helpers every spec uses, for supertest responses (`res.headers['set-cookie']`),
 * fetch responses (`Headers#getSetCookie`) and plain lists of Set-Cookie lines.
 */

/** Anything that carries Set-Cookie lines. */
export type SetCookieSource =
  string[] | { headers: Headers } | { headers: Record<string, unknown> } | { setCookies: string[] };

/** The raw Set-Cookie lines of a response (or the list itself). */
export function setCookieLines(source: SetCookieSource): string[] {
  if (Array.isArray(source)) return source;
  if ('setCookies' in source) return source.setCookies;
  const headers = source.headers;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.getSetCookie();
  return ([] as string[]).concat(
    ((headers as Record<string, unknown>)['set-cookie'] as string[] | string | undefined) ?? [],
  );
}

/** The full Set-Cookie line of the named cookie, or undefined. */
export function cookieLine(source: SetCookieSource, name: string): string | undefined {
  return setCookieLines(source).find((c) => c.startsWith(`${name}=`));
}

/** `name=value` of the named cookie, or undefined. */
export function cookiePair(source: SetCookieSource, name: string): string | undefined {
  return cookieLine(source, name)?.split(';')[0];
}

/** The `name=value` pair of the session cookie in a response, or undefined. */
export function sessionCookie(source: SetCookieSource, name = 'sid'): string | undefined {
  return cookiePair(source, name);
}

/** The full Set-Cookie line of the session cookie. */
export function sessionCookieLine(source: SetCookieSource, name = 'sid'): string | undefined {
  return cookieLine(source, name);
}

/** Every `name=value` pair a response sets, joined as a Cookie header. */
export function cookieHeaderOf(source: SetCookieSource): string {
  return setCookieLines(source)
    .map((c) => c.split(';')[0])
    .join('; ');
}

/** Names of the cookies a response sets (not those it expires), and of those it expires. */
export function setCookies(source: SetCookieSource): { set: string[]; expired: string[]; raw: string[] } {
  const raw = setCookieLines(source);
  const set: string[] = [];
  const expired: string[] = [];
  for (const c of raw) {
    const name = c.split('=')[0];
    if (/max-age=0/i.test(c) || /expires=thu, 01 jan 1970/i.test(c)) expired.push(name);
    else set.push(name);
  }
  return { set: set.sort(), expired: expired.sort(), raw };
}

/**
 * A browser's cookie store, by name: keeps what responses set, drops what they expire (`Max-Age=0`), and gives
 * the Cookie header to send. A Map, so specs read and edit it directly (`jar.size`, `jar.set('x', '1')`).
 */
export class CookieJar extends Map<string, string> {
  /** Keeps the cookies a response sets and drops those it expires; returns the response. */
  store<T extends SetCookieSource>(res: T): T {
    for (const c of setCookieLines(res)) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/max-age=0/i.test(c)) this.delete(name);
      else this.set(name, pair.slice(eq + 1));
    }
    return res;
  }

  /** The Cookie header (empty when the jar is). */
  header(): string {
    return [...this].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}
