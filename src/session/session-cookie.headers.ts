import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A response that issues the session cookie must not be stored by a cache: adds `Cache-Control: no-store`
 * when the headers about to be written (set with setHeader, or passed to writeHead) set `name`. Headers
 * passed to writeHead replace same-named ones set with setHeader, so they are read and edited there.
 */
export function markNoStoreWithSessionCookie(res: ServerResponse, name: string, writeHeadArgs: unknown[]): void {
  const prefix = `${name}=`;
  const sets = (value: unknown): boolean =>
    Array.isArray(value) ? value.some(sets) : typeof value === 'string' && value.trimStart().startsWith(prefix);
  // As Node's writeHead: a string second argument is the status message; otherwise `headers ??= second`.
  const passed = typeof writeHeadArgs[1] === 'string' ? writeHeadArgs[2] : (writeHeadArgs[2] ?? writeHeadArgs[1]);
  let issued = sets(res.getHeader('set-cookie'));
  let cacheAt: { headers: OutgoingHttpHeaders | unknown[]; key: string | number } | undefined;
  if (Array.isArray(passed)) {
    // Raw form: [name, value, name, value, …] or [[name, value], …].
    const pairs = Array.isArray(passed[0]) ? (passed as unknown[][]) : undefined;
    const count = pairs ? pairs.length : passed.length / 2;
    for (let i = 0; i < count; i++) {
      const headerName = String(pairs ? pairs[i][0] : passed[2 * i]).toLowerCase();
      const value = pairs ? pairs[i][1] : passed[2 * i + 1];
      if (headerName === 'set-cookie' && sets(value)) issued = true;
      if (headerName === 'cache-control') cacheAt = pairs ? { headers: pairs[i], key: 1 } : { headers: passed, key: 2 * i + 1 };
    }
  } else if (passed && typeof passed === 'object') {
    const headers = passed as OutgoingHttpHeaders;
    for (const key of Object.keys(headers)) {
      const lower = key.toLowerCase();
      if (lower === 'set-cookie' && sets(headers[key])) issued = true;
      if (lower === 'cache-control') cacheAt = { headers, key };
    }
  }
  if (!issued) return;
  if (cacheAt) (cacheAt.headers as Record<string | number, unknown>)[cacheAt.key] = 'no-store';
  else res.setHeader('Cache-Control', 'no-store');
}
