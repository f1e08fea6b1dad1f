/**
 * How a browser reads a Set-Cookie value, as far as the consent gate needs it: the name the cookie will be
 * sent back under, and whether the header deletes its cookie rather than storing one. Both err on the side
 * of the gate: a header counts as deleting only when every reading a browser may make of it deletes.
 * `test/browser/set-cookie-chromium.e2e-spec.ts` checks both against Chromium.
 */

/** `s` from `from` to `to` without leading and trailing WSP: RFC 6265 §5.2 trims space and tab only, as Chromium does (a no-break space stays). */
function trimmed(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 32 || s.charCodeAt(to - 1) === 9)) to--;
  return s.slice(from, to);
}

/** Where the first `char` in `s` from `from` is, or `end` when there is none before it. */
function indexBefore(s: string, char: string, from: number, end: number): number {
  const at = s.indexOf(char, from);
  return at < 0 || at > end ? end : at;
}

/**
 * The name a Set-Cookie value's cookie is sent back under. RFC 6265bis §5.6 (and Chromium) parse `x` and
 * `=x` as a nameless cookie whose value is `x`, and a nameless cookie goes back as its bare value, which
 * servers and scripts read as the cookie `x`; `=x=1` goes back as `x=1` from browsers that keep it
 * (Chromium 156 drops it). So the name is what precedes the first '=' once leading '=' are dropped.
 */
export function setCookieName(setCookie: string): string {
  const end = indexBefore(setCookie, ';', 0, setCookie.length);
  let start = 0;
  for (
    let c = setCookie.charCodeAt(0);
    start < end && (c === 61 || c === 32 || c === 9);
    c = setCookie.charCodeAt(++start)
  );
  return trimmed(setCookie, start, indexBefore(setCookie, '=', start, end));
}

/** RFC 6265 §5.2.2 delta-seconds: an optional '-' then digits (Chromium also takes '+'; taking less is safe). */
const MAX_AGE = /^-?\d+$/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The form RFC 6265 §4.1.1 tells servers to send (`Thu, 01 Jan 1970 00:00:00 GMT`, also with '-' between
 * day, month and year, as `res.clearCookie` and PHP write it), as milliseconds, or NaN. Only this form
 * counts: on others the RFC's §5.1.1 algorithm and Chromium's disagree (`01abc` is a day for the RFC and a
 * year for Chromium, a weekday spelled `Jan` is a month for both), and a date either of them cannot parse
 * leaves the cookie stored.
 */
export function parseCookieDate(text: string): number {
  const m = /^(?:mon|tue|wed|thu|fri|sat|sun), (\d\d)[ -]([a-z]{3})[ -](\d{4}) (\d\d):(\d\d):(\d\d) gmt$/i.exec(text);
  if (!m) return NaN;
  const [day, month, year, h, min, s] = [
    Number(m[1]),
    MONTHS.indexOf(m[2].toLowerCase()),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
  ];
  // §5.1.1 step 5: these abort the parse (the browser then keeps a session cookie).
  if (month < 0 || day < 1 || year < 1601 || h > 23 || min > 59 || s > 59) return NaN;
  // 31 Feb is no date: Chromium keeps such a cookie as a session cookie.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 1 ? (leap ? 29 : 28) : DAYS[month])) return NaN;
  return Date.UTC(year, month, day, h, min, s);
}

/**
 * Whether a Set-Cookie value deletes its cookie instead of storing one. RFC 6265 §5.3 step 3: Max-Age,
 * when there is one, decides, else Expires; within each the last valid attribute wins (§5.2), while
 * Chromium takes the last one even when invalid (then falls back to Expires, then to a session cookie) and
 * ignores values over 1024 characters. To be deleting under every such reading, every Max-Age must be a
 * valid delta-seconds ≤ 0, or, without Max-Age, every Expires a date in the standard form (see
 * {@link parseCookieDate}) at or before `reference()`: the response's time (browsers compare Expires with
 * the response's Date header, Chromium to correct clock skew).
 */
export function isDeletingSetCookie(setCookie: string, reference: () => number): boolean {
  let maxAge: boolean | undefined;
  let expires: boolean | undefined;
  for (let semi = setCookie.indexOf(';'); semi >= 0;) {
    const next = setCookie.indexOf(';', semi + 1);
    const end = next < 0 ? setCookie.length : next;
    const eq = indexBefore(setCookie, '=', semi + 1, end);
    const name = trimmed(setCookie, semi + 1, eq);
    semi = next;
    // Both names have seven letters: most attributes are skipped here.
    if (name.length !== 7) continue;
    const attribute = name.toLowerCase();
    if (attribute === 'max-age') {
      const value = eq < end ? trimmed(setCookie, eq + 1, end) : '';
      const deletes = value.length <= 1024 && MAX_AGE.test(value) && Number(value) <= 0;
      maxAge = (maxAge ?? true) && deletes;
    } else if (attribute === 'expires' && maxAge === undefined && expires !== false) {
      // Once a Max-Age is seen, Expires no longer decides; the response's time is read only when needed.
      const at = parseCookieDate(eq < end ? trimmed(setCookie, eq + 1, end) : '');
      expires = !Number.isNaN(at) && at <= reference();
    }
  }
  return maxAge ?? expires ?? false;
}
