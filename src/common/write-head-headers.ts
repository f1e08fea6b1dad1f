import type { ServerResponse } from 'node:http';

/**
 * Headers passed to `res.writeHead(statusCode, [reason], [headers])`, read exactly as Node reads them
 * (Node 20's lib/_http_server.js writeHead and lib/_http_outgoing.js _storeHeader):
 *
 * - the headers are the third argument, unless the second is not a string and the third is null or
 *   undefined (`obj ??= reason`): `writeHead(200, undefined, h)` and `writeHead(200, {…}, h)` use `h`;
 * - they are an object (own enumerable keys), a flat raw array `[name, value, name, value, …]`, or, when
 *   the first element is an array, an array of `[name, value]` pairs (which Node refuses with a TypeError
 *   once any header was set with setHeader);
 * - a value may be an array: one header line per element (Set-Cookie included);
 * - once a header was set with setHeader, each passed name replaces the stored one (setHeader per object
 *   key or per raw pair, so within a raw array the last pair of a name wins on Node 20), otherwise only
 *   the passed headers are sent.
 *
 * Hooks edit the argument list, never the caller's object or array: those may be shared between responses.
 */
export function writeHeadHeadersIndex(args: ArrayLike<unknown>): 1 | 2 {
  return typeof args[1] === 'string' || (args[2] !== undefined && args[2] !== null) ? 2 : 1;
}

/** Whether writeHead's headers are an array of `[name, value]` pairs (Node looks at the first element only). */
export function isHeaderPairs(headers: unknown): headers is unknown[][] {
  return Array.isArray(headers) && headers.length > 0 && Array.isArray(headers[0]);
}

function named(key: unknown, name: string): boolean {
  return typeof key === 'string' && key.length === name.length && key.toLowerCase() === name;
}

/**
 * Calls `edit` on the value of every header called `name` (lower case) passed to writeHead, last first
 * (`last` is true for the one that wins when Node keeps only one), and puts what it returns in its place;
 * returning the value itself changes nothing. A change copies the headers into `args`. Returns how many
 * headers of that name were passed.
 */
export function editWriteHeadHeader(
  args: unknown[],
  name: string,
  edit: (value: unknown, last: boolean) => unknown,
): number {
  const index = writeHeadHeadersIndex(args);
  const headers = args[index];
  if (typeof headers !== 'object' || headers === null) return 0;
  let found = 0;
  if (isHeaderPairs(headers)) {
    let copy: unknown[][] | undefined;
    for (let i = headers.length - 1; i >= 0; i--) {
      const pair = headers[i];
      if (!named(pair[0], name)) continue;
      const value = edit(pair[1], found++ === 0);
      if (value !== pair[1]) (copy ??= headers.slice())[i] = [pair[0], value];
    }
    if (copy) args[index] = copy;
  } else if (Array.isArray(headers)) {
    let copy: unknown[] | undefined;
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      if (!named(headers[i], name)) continue;
      const value = edit(headers[i + 1], found++ === 0);
      if (value !== headers[i + 1]) (copy ??= headers.slice())[i + 1] = value;
    }
    if (copy) args[index] = copy;
  } else {
    const object = headers as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    const keys = Object.keys(object);
    for (let i = keys.length - 1; i >= 0; i--) {
      if (!named(keys[i], name)) continue;
      const value = edit(object[keys[i]], found++ === 0);
      if (value !== object[keys[i]]) (copy ??= { ...object })[keys[i]] = value;
    }
    if (copy) args[index] = copy;
  }
  return found;
}

/** A Set-Cookie value (a string or a list of them) without the cookies `keep` refuses; the value itself when it keeps all. */
function keptCookies(value: unknown, keep: (setCookie: string) => boolean): unknown {
  if (value === undefined || value === null) return value;
  const values = Array.isArray(value) ? value : [value];
  const kept = values.filter((v) => keep(String(v)));
  return kept.length === values.length ? value : kept;
}

/**
 * Removes every Set-Cookie value `keep` refuses from a response about to write its headers (writeHead's
 * arguments): those set with setHeader (or res.cookie, append…) and every one passed to writeHead, each
 * element of an array value included. A passed Set-Cookie whose cookies are all refused stays as an empty
 * list: Node sends no line for it, and it still replaces the stored ones as the app's own value would have.
 */
export function filterSetCookies(
  res: ServerResponse,
  writeHeadArgs: unknown[],
  keep: (setCookie: string) => boolean,
): void {
  const stored = res.getHeader('set-cookie');
  const kept = keptCookies(stored, keep);
  if (kept !== stored) {
    if ((kept as string[]).length === 0) res.removeHeader('set-cookie');
    else res.setHeader('set-cookie', kept as string[]);
  }
  editWriteHeadHeader(writeHeadArgs, 'set-cookie', (value) => keptCookies(value, keep));
}
