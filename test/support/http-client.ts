/** A fetch answer with its JSON body (or text) and its Set-Cookie headers. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Headers;
  setCookies: string[];
}

/**
 * One HTTP call to a listening app (another process, or bootLibraryApp with `listen`): cookies are passed
 * explicitly, so one session can be used on two instances; read them with cookie-jar.ts (`cookiePair(answer, name)`).
 */
export async function http(
  baseUrl: string,
  method: string,
  path: string,
  opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: 'manual',
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers, setCookies: res.headers.getSetCookie() };
}
