import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { isDeletingSetCookie, setCookieName } from '../../src/consent/set-cookie.js';
import { launchChromium } from './browser-harness.js';

jest.setTimeout(120_000);

const PAST = 'Thu, 01 Jan 1970 00:00:00 GMT';
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';

/** Set-Cookie values (and an optional Date header) the gate must read as a browser does. */
const CASES: Array<[setCookie: string, date?: string]> = [
  ['plain=1'],
  [' \tspaced =1'],
  ['=nameless=1'],
  ['==nameless2=1'],
  ['bare'],
  ['bare2; Path=/'],
  ['bare3;x=1'],
  ['a=1; Max-Age=0'],
  ['b=1; max-age = -1 '],
  ['c=1; Max-Age=0; Max-Age=31536000'],
  ['d=1; Max-Age=31536000; Max-Age=0'],
  [`e=1; Max-Age=0x; Expires=${FUTURE}`],
  [`f=1; Expires=${PAST}; Expires=${FUTURE}`],
  [`g=1; Expires=${FUTURE}; Expires=${PAST}`],
  ['h=1; Max-Age=0; Max-Age=abc'],
  ['i=1; Max-Age=0; Max-Age'],
  ['j=1; Max-Age=+0'],
  [`k=1; Max-Age=5; Max-Age=${'0'.repeat(1025)}`],
  [`l=1; Expires=${PAST}; Expires=garbage`],
  ['m=1; Expires=01abc Jan 1970 00:00:00 GMT'],
  ['n=1; Expires=Thu, 01-Jan-1970 00:00:00 GMT'],
  ['o=1; Expires=Jan, 01 Feb 1970 00:00:00 GMT'],
  ['p=1; Expires=Sat, 31 Feb 1970 00:00:00 GMT'],
  ['q=1; Expires=Thu, 01 Jan 1000 00:00:00 GMT'],
  [`r=1; Expires=${FUTURE}; Max-Age=0`],
  [`s=1; Max-Age=60; Expires=${PAST}`],
  ['t=1; Expires=Wed, 01 Jan 2020 00:00:00 GMT'],
  // Chromium judges Expires against the response's Date (clock skew): this one is kept until ~2046.
  ['u=1; Expires=Wed, 01 Jan 2020 00:00:00 GMT', 'Sat, 01 Jan 2000 00:00:00 GMT'],
];

/**
 * The gate's reading of Set-Cookie (src/consent/set-cookie.ts) against Debian's Chromium: whatever the gate
 * lets through as a deletion, Chromium stores nothing for; whatever Chromium stores, it sends back under the
 * name the gate judged. (Where Chromium deletes and the gate sees a cookie being set, the gate only strips
 * a deletion of a cookie that was not granted.)
 */
describe('Set-Cookie as Chromium reads it', () => {
  let browser: Browser;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    browser = await launchChromium();
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(req.headers.cookie ?? '');
        return;
      }
      if (url.pathname !== '/set') {
        // The favicon request among them.
        res.writeHead(404).end();
        return;
      }
      const [setCookie, date] = CASES[Number(url.searchParams.get('i'))];
      res.writeHead(200, ['Set-Cookie', setCookie, 'Content-Type', 'text/plain', ...(date ? ['Date', date] : [])]);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('never calls a stored cookie a deletion, and names it as Chromium sends it back', async () => {
    const seen: string[] = [];
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      for (let i = 0; i < CASES.length; i++) {
        const [setCookie, date] = CASES[i];
        await context.clearCookies();
        await page.goto(`${base}/set?i=${i}`);
        const stored = await context.cookies();
        await page.goto(`${base}/echo`);
        const sent = (await page.textContent('body')) ?? '';
        const deleting = isDeletingSetCookie(setCookie, () =>
          date ? Math.min(Date.now(), Date.parse(date)) : Date.now(),
        );
        seen.push(
          `${JSON.stringify(setCookie.slice(0, 60))}: gate ${deleting ? 'deleting' : setCookieName(setCookie)}, Chromium ${stored.length ? JSON.stringify(sent) : 'nothing'}`,
        );
        if (deleting) expect([setCookie, stored]).toEqual([setCookie, []]);
        if (stored.length > 0) {
          const eq = sent.indexOf('=');
          expect([setCookie, (eq < 0 ? sent : sent.slice(0, eq)).trim()]).toEqual([
            setCookie,
            setCookieName(setCookie),
          ]);
        }
      }
    } finally {
      await context.close();
    }
    expect(seen).toHaveLength(CASES.length);
  });
});
