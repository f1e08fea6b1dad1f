import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import onHeaders from 'on-headers';
import { finishSessionCookie, passWriteHeadAsNodeReadsIt } from '../session/session-cookie.headers.js';
import { filterSetCookies } from './write-head-headers.js';

/**
 * The header editing on a bare http.Server, hooked as the module's stack hooks Express's response: on the
 * response itself, express-session's on-headers hook (here: it appends the session cookie as
 * express-session's setcookie does) behind the module's argument fix; under it, the module's own hook
 * (AuthConsentMiddleware): the gate's filter (here: refuse every cookie named ads), then no-store when the
 * session cookie goes out.
 */
type Scenario = (res: ServerResponse) => void;
const scenarios = new Map<string, Scenario>();
let server: Server;
let port: number;

const refuseAds = (setCookie: string) => !setCookie.startsWith('ads=');
const SID = 'sid=S1; Path=/; HttpOnly';

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const scenario = scenarios.get(url.searchParams.get('s')!)!;
    const session = url.searchParams.get('session') === '1';
    const original = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      filterSetCookies(this, args, refuseAds);
      finishSessionCookie(this, 'sid', false, args);
      return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    if (session) {
      onHeaders(res, function (this: ServerResponse) {
        const prev = this.getHeader('Set-Cookie') ?? [];
        this.setHeader('Set-Cookie', Array.isArray(prev) ? [...prev, SID] : [String(prev), SID]);
      });
      passWriteHeadAsNodeReadsIt(res);
    }
    try {
      scenario(res);
      res.end('ok');
    } catch (err) {
      // Node refused the headers: the scenario's shape is one it does not accept (with this hook).
      res.writeHead = original;
      res.removeHeader('set-cookie');
      res.statusCode = 500;
      res.end((err as { code?: string }).code ?? String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Seen {
  status: number;
  message: string;
  cookies: string[];
  cacheControl: string[];
  body: string;
  raw: string[];
}

async function call(scenario: Scenario, session = true): Promise<Seen> {
  const id = String(scenarios.size);
  scenarios.set(id, scenario);
  const res = await new Promise<IncomingMessage & { body: string }>((resolve, reject) => {
    get({ port, host: '127.0.0.1', path: `/?s=${id}&session=${session ? 1 : 0}` }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (body += d));
      r.on('end', () => resolve(Object.assign(r, { body })));
    }).on('error', reject);
  });
  const pick = (name: string) =>
    res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1].toLowerCase() === name);
  return {
    status: res.statusCode!,
    message: res.statusMessage!,
    cookies: pick('set-cookie'),
    cacheControl: pick('cache-control'),
    body: res.body,
    raw: res.rawHeaders,
  };
}

describe('writeHead header editing on a bare http.Server (every form Node accepts)', () => {
  it('status only, after setHeader; and the implicit writeHead of res.end', async () => {
    for (const scenario of [
      (res: ServerResponse) => {
        res.setHeader('Set-Cookie', ['ads=1', 'theme=1']);
        res.writeHead(200);
      },
      (res: ServerResponse) => res.setHeader('Set-Cookie', ['theme=1', 'ads=1']),
    ]) {
      const seen = await call(scenario);
      expect(seen.status).toBe(200);
      expect(seen.cookies.sort()).toEqual([SID, 'theme=1']);
      expect(seen.cacheControl).toEqual(['no-store']);
    }
  });

  it('status + headers object; status + message + headers', async () => {
    const a = await call((res) =>
      res.writeHead(201, { 'Set-Cookie': ['ads=1', 'theme=1'], 'Cache-Control': 'public, max-age=60' }),
    );
    expect([a.status, a.message, a.cookies, a.cacheControl]).toEqual([201, 'Created', ['theme=1', SID], ['no-store']]);
    const b = await call((res) => res.writeHead(200, 'Fine', { 'set-cookie': 'ads=1', 'cache-control': 'public' }));
    expect([b.status, b.message, b.cookies, b.cacheControl]).toEqual([200, 'Fine', [SID], ['no-store']]);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an object (the third argument wins)', { 'Set-Cookie': 'other=1' }],
  ])('status + %s + headers: Node reads the third argument, and so do the hooks', async (_what, second) => {
    const seen = await call((res) =>
      res.writeHead(200, second as never, { 'Set-Cookie': ['ads=1', 'theme=1'], 'Cache-Control': 'public' }),
    );
    expect([seen.status, seen.message]).toEqual([200, 'OK']);
    expect(seen.cookies).toEqual(['theme=1', SID]);
    expect(seen.cacheControl).toEqual(['no-store']);
  });

  it('status + object + undefined: Node reads the second argument', async () => {
    const seen = await call((res) =>
      res.writeHead(200, { 'Set-Cookie': 'ads=1', 'Cache-Control': 'public' } as never, undefined),
    );
    expect(seen.cookies).toEqual([SID]);
    expect(seen.cacheControl).toEqual(['no-store']);
  });

  it('raw flat arrays, with array values inside and repeated Set-Cookie', async () => {
    const a = await call((res) =>
      res.writeHead(200, ['Set-Cookie', 'ads=1', 'Set-Cookie', 'theme=1', 'Cache-Control', 'public']),
    );
    expect(a.cookies).toEqual(['theme=1', SID]);
    expect(a.cacheControl).toEqual(['no-store']);
    // An array value is checked element by element (was: by its first cookie only).
    const b = await call(
      (res) => res.writeHead(200, ['Set-Cookie', ['theme=1', 'ads=1'], 'Cache-Control', ['public', 'max-age=60']]),
      false,
    );
    expect(b.cookies).toEqual(['theme=1']);
    expect(b.cacheControl).toEqual(['public', 'max-age=60']);
    const c = await call((res) => res.writeHead(200, ['Set-Cookie', ['theme=1', 'ads=1']]));
    expect(c.cookies).toEqual(['theme=1', SID]);
    expect(c.cacheControl).toEqual(['no-store']);
  });

  it('a raw array after setHeader (Node sets each pair over the stored headers)', async () => {
    const seen = await call((res) => {
      res.setHeader('X-Other', '1');
      res.setHeader('Set-Cookie', 'stored=1');
      res.writeHead(200, ['Set-Cookie', ['theme=1', 'ads=1'], 'Cache-Control', 'public']);
    });
    expect(seen.status).toBe(200);
    expect(seen.cookies).toEqual(['theme=1', SID]);
    expect(seen.cacheControl).toEqual(['no-store']);
  });

  it('arrays of [name, value] pairs: filtered, and the session cookie joins them (setHeader would make Node throw)', async () => {
    const a = await call((res) =>
      res.writeHead(200, [
        ['Set-Cookie', ['ads=1', 'theme=1']],
        ['Cache-Control', 'public'],
        ['X-A', '1'],
      ] as never),
    );
    expect(a.status).toBe(200);
    expect(a.cookies).toEqual(['theme=1', SID]);
    expect(a.cacheControl).toEqual(['no-store']);
    const b = await call((res) => res.writeHead(200, [['X-A', '1']] as never));
    expect([b.status, b.cookies, b.cacheControl]).toEqual([200, [SID], ['no-store']]);
    const c = await call(
      (res) =>
        res.writeHead(200, [
          ['set-cookie', 'ads=1'],
          ['SET-COOKIE', 'ads=2'],
        ] as never),
      false,
    );
    expect([c.status, c.cookies]).toEqual([200, []]);
  });

  it('repeated Set-Cookie keys in one object (different case): each is filtered; the session cookie is added once', async () => {
    const seen = await call((res) => res.writeHead(200, { 'set-cookie': 'ads=1', 'Set-Cookie': ['theme=1', 'ads=2'] }));
    expect(seen.cookies.sort()).toEqual([SID, 'theme=1']);
  });

  it('headers set with setHeader plus writeHead headers: the passed ones replace same-named stored ones, as without the hooks', async () => {
    const a = await call((res) => {
      res.setHeader('Set-Cookie', ['ads=1', 'stored=1']);
      res.setHeader('Cache-Control', 'public');
      res.writeHead(200, { 'X-A': '1' });
    });
    expect(a.cookies).toEqual(['stored=1', SID]);
    expect(a.cacheControl).toEqual(['no-store']);
    // All passed cookies refused: the stored ones are still replaced (by nothing), not resurrected.
    const b = await call((res) => {
      res.setHeader('Set-Cookie', ['stored=1']);
      res.writeHead(200, { 'Set-Cookie': 'ads=1' });
    }, false);
    expect(b.cookies).toEqual([]);
    const c = await call((res) => {
      res.setHeader('Set-Cookie', ['stored=1']);
      res.writeHead(200, { 'Set-Cookie': 'ads=1' });
    });
    expect(c.cookies).toEqual([SID]);
  });

  it("never edits the app's header object or array (they may be shared by every response)", async () => {
    const object = Object.freeze({ 'Set-Cookie': Object.freeze(['ads=1', 'theme=1']), 'Cache-Control': 'public' });
    const flat = Object.freeze(['Set-Cookie', 'ads=1', 'Cache-Control', 'public']);
    const pairs = Object.freeze([Object.freeze(['Set-Cookie', 'ads=1'])]);
    for (let i = 0; i < 2; i++) {
      expect((await call((res) => res.writeHead(200, object as never))).cookies).toEqual(['theme=1', SID]);
      expect((await call((res) => res.writeHead(200, flat as never))).cookies).toEqual([SID]);
      expect((await call((res) => res.writeHead(200, pairs as never))).cookies).toEqual([SID]);
    }
    expect(object).toEqual({ 'Set-Cookie': ['ads=1', 'theme=1'], 'Cache-Control': 'public' });
    expect(flat).toEqual(['Set-Cookie', 'ads=1', 'Cache-Control', 'public']);
    expect(pairs).toEqual([['Set-Cookie', 'ads=1']]);
  });
});
