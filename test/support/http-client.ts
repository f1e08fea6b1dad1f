/** A fetch answer with its JSON body (or text) and its Set-Cookie headers. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Headers;
  setCookies: string[];
}

/** One HTTP call to a running app (another process): cookies are passed explicitly, so one session can be used on two instances. */
export async function http(baseUrl: string, method: string, path: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
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

/** `name=value` of the named cookie among Set-Cookie headers, or undefined. */
export function cookiePair(setCookies: string[], name: string): string | undefined {
  const found = setCookies.find((c) => c.startsWith(`${name}=`));
  return found?.split(';')[0];
}
