import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param, Req, Res, type INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import request from 'supertest';
import type { AuthConsentModuleOptions } from '../src/index.js';
import { setCookieLines } from './support/cookie-jar.js';
import { TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { TrackController, trackingOptions } from './support/tracking-fixture.js';

const PAST = 'Thu, 01 Jan 1970 00:00:00 GMT';
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';
const EXPIRY_TRICKS = [
  'demo_analytics=a1; Path=/; Max-Age=0; Max-Age=31536000',
  `demo_analytics=a1; Path=/; Max-Age=0x; Expires=${FUTURE}`,
  `demo_analytics=a1; Path=/; Expires=${PAST}; Expires=${FUTURE}`,
  'demo_analytics=a1; Path=/; Max-Age=0; Max-Age=abc',
  // 1970 for RFC 6265's date algorithm, no date for Chromium's (a session cookie): not a deletion either.
  'demo_analytics=a1; Path=/; Expires=01abc Jan 1970 00:00:00 GMT',
];

/**
 * The ways past the consent gate from the security review (issue 15, item 3; item 6's RegExp patterns),
 * black-box over HTTP on the demo's categories: every route tries to set demo_analytics (analytics) and
 * demo_theme (preferences), which an undecided visitor must never receive.
 */
@Controller('probe')
class WriteHeadProbeController {
  @Get('third/:second')
  third(@Param('second') second: string, @Res() res: Response): void {
    res.writeHead(200, (second === 'null' ? null : undefined) as never, {
      'Set-Cookie': ['demo_analytics=a1; Path=/', 'demo_theme=t1; Path=/'],
      'Content-Type': 'text/plain',
    });
    res.end('ok');
  }

  @Get('array-value')
  arrayValue(@Res() res: Response): void {
    res.writeHead(200, [
      'Set-Cookie',
      ['app_pref=1; Path=/', 'demo_analytics=a1; Path=/', 'demo_theme=t1; Path=/'],
      'Content-Type',
      'text/plain',
    ]);
    res.end('ok');
  }

  @Get('expiry/:i')
  expiry(@Param('i') i: string, @Res() res: Response): void {
    res.setHeader('Set-Cookie', EXPIRY_TRICKS[Number(i)]);
    res.end('ok');
  }

  /** An Expires in 2020 under a Date header of 2000: Chromium corrects for the skew and keeps it until ~2046. */
  @Get('skew/:how')
  skew(@Param('how') how: string, @Res() res: Response): void {
    const cookie = 'demo_analytics=a1; Path=/; Expires=Wed, 01 Jan 2020 00:00:00 GMT';
    const date = 'Sat, 01 Jan 2000 00:00:00 GMT';
    if (how === 'passed') res.writeHead(200, { Date: date, 'Set-Cookie': cookie });
    else if (how === 'stored') res.setHeader('Date', date).setHeader('Set-Cookie', cookie);
    else res.setHeader('Set-Cookie', cookie);
    res.end('ok');
  }

  @Get('nameless')
  nameless(@Res() res: Response): void {
    res.setHeader('Set-Cookie', ['=demo_analytics=1; Path=/', 'demo_analytics; Path=/', 'demo_theme;x=1']);
    res.end('ok');
  }

  @Get('pattern')
  pattern(@Res() res: Response): void {
    res.setHeader('Set-Cookie', ['trk_1=1; Path=/', 'ytrk_1=1; Path=/']);
    res.end('ok');
  }

  /** Session data plus headers handed to writeHead(status, undefined, headers). */
  @Get('session-raw')
  sessionRaw(@Req() req: Request, @Res() res: Response): void {
    req.session!.note = 'raw';
    res.writeHead(200, undefined as never, {
      'Cache-Control': 'public, max-age=60',
      'Set-Cookie': 'app_pref=1; Path=/',
      'Content-Type': 'text/plain',
    });
    res.end('ok');
  }
}

/** Cookie patterns given as RegExps with the g and y flags (test() moves their lastIndex). */
function withStatefulPatterns(o: AuthConsentModuleOptions): AuthConsentModuleOptions {
  const categories = o.consent!.categories!.map((c) =>
    c.key === 'analytics'
      ? {
          ...c,
          cookies: [
            ...(c.cookies ?? []),
            { pattern: /^trk_/g, purpose: 'Tracking', duration: '1 day', provider: 'test' },
            { pattern: /ytrk_/y, purpose: 'Tracking', duration: '1 day', provider: 'test' },
          ],
        }
      : c,
  );
  return { ...o, consent: { ...o.consent, categories } };
}

let app: INestApplication;
const http = () => request(app.getHttpServer());
const raw = (res: request.Response) => setCookieLines(res);

beforeAll(async () => {
  app = (
    await bootLibraryApp({
      options: withStatefulPatterns(trackingOptions({ database: { url: 'sqlite::memory:' } })),
      clock: new TestClock(Date.now()),
      controllers: [TrackController, WriteHeadProbeController],
      appPipeAndFilter: true,
    })
  ).app;
});

afterAll(async () => {
  await app?.close();
});

async function acceptAllCookie(): Promise<string> {
  const put = await http().put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
  return raw(put)
    .map((c) => c.split(';')[0])
    .join('; ');
}

describe('headers passed to writeHead(status, undefined | null, headers)', () => {
  it.each(['undefined', 'null'])('are gated when the second argument is %s', async (second) => {
    const res = await http().get(`/probe/third/${second}`).expect(200);
    expect(raw(res)).toEqual([]);
    const granted = await http()
      .get(`/probe/third/${second}`)
      .set('Cookie', await acceptAllCookie())
      .expect(200);
    expect(
      raw(granted)
        .map((c) => c.split('=')[0])
        .sort(),
    ).toEqual(['demo_analytics', 'demo_theme']);
  });

  it('get the session cookie and Cache-Control: no-store', async () => {
    const res = await http().get('/probe/session-raw').expect(200);
    const cookies = raw(res);
    expect(cookies.find((c) => c.startsWith('app_pref='))).toBeDefined();
    expect(cookies.find((c) => c.startsWith('sid='))).toBeDefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('an array value inside a raw header array', () => {
  it('is checked cookie by cookie, not by its first one (app_pref: undeclared, let through with a warning)', async () => {
    expect(raw(await http().get('/probe/array-value').expect(200))).toEqual(['app_pref=1; Path=/']);
  });
});

describe('Max-Age and Expires read as browsers read them', () => {
  it.each(EXPIRY_TRICKS.map((c, i) => [c, i]))('%j is a cookie being set, not deleted: stripped', async (_c, i) => {
    expect(raw(await http().get(`/probe/expiry/${i}`).expect(200))).toEqual([]);
  });
});

describe("Expires judged against the response's Date header", () => {
  it.each(['passed', 'stored'])(
    'an Expires before now but after a Date header %s by the app is not a deletion',
    async (how) => {
      expect(raw(await http().get(`/probe/skew/${how}`).expect(200))).toEqual([]);
    },
  );

  it('without such a Date header the same cookie is a deletion and passes', async () => {
    expect(raw(await http().get('/probe/skew/none').expect(200))).toEqual([
      'demo_analytics=a1; Path=/; Expires=Wed, 01 Jan 2020 00:00:00 GMT',
    ]);
  });
});

describe('nameless cookies', () => {
  it('=demo_analytics=1 and a bare demo_analytics count as demo_analytics (undeclaredCookies: warn)', async () => {
    expect(raw(await http().get('/probe/nameless').expect(200))).toEqual([]);
  });
});

describe('cookie patterns given as RegExps with g or y flags', () => {
  it('match every time (test() no longer alternates with lastIndex)', async () => {
    for (let i = 0; i < 4; i++) expect(raw(await http().get('/probe/pattern').expect(200))).toEqual([]);
    const granted = await http()
      .get('/probe/pattern')
      .set('Cookie', await acceptAllCookie())
      .expect(200);
    expect(raw(granted).length).toBe(2);
  });
});
