import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param, Req, Res, type INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import request from 'supertest';
import { AUDIT_SECRET, bootDemoWithClock, TestClock } from './support/consent.js';
import { TEST_SECRET } from './support/services.js';

/**
 * The ways past the consent gate from the security review (issue 15, item 3), black-box over HTTP on the
 * demo's categories: every route tries to set demo_analytics (analytics) and demo_theme (preferences),
 * which an undecided visitor must never receive.
 */
@Controller('probe')
class WriteHeadProbeController {
  @Get('third/:second')
  third(@Param('second') second: string, @Res() res: Response): void {
    res.writeHead(200, (second === 'null' ? null : undefined) as never, { 'Set-Cookie': ['demo_analytics=a1; Path=/', 'demo_theme=t1; Path=/'], 'Content-Type': 'text/plain' });
    res.end('ok');
  }

  @Get('array-value')
  arrayValue(@Res() res: Response): void {
    res.writeHead(200, ['Set-Cookie', ['app_pref=1; Path=/', 'demo_analytics=a1; Path=/', 'demo_theme=t1; Path=/'], 'Content-Type', 'text/plain']);
    res.end('ok');
  }

  /** Session data plus headers handed to writeHead(status, undefined, headers). */
  @Get('session-raw')
  sessionRaw(@Req() req: Request, @Res() res: Response): void {
    req.session!.note = 'raw';
    res.writeHead(200, undefined as never, { 'Cache-Control': 'public, max-age=60', 'Set-Cookie': 'app_pref=1; Path=/', 'Content-Type': 'text/plain' });
    res.end('ok');
  }
}

let app: INestApplication;
const http = () => request(app.getHttpServer());
const raw = (res: request.Response) => ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);

beforeAll(async () => {
  app = await bootDemoWithClock(
    { DATABASE_URL: 'sqlite::memory:', SESSION_SECRET: TEST_SECRET, CONSENT_AUDIT_SECRET: AUDIT_SECRET },
    new TestClock(Date.now()),
    (o) => o,
    [WriteHeadProbeController],
  );
});

afterAll(async () => {
  await app?.close();
});

async function acceptAllCookie(): Promise<string> {
  const put = await http().put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
  return raw(put).map((c) => c.split(';')[0]).join('; ');
}

describe('headers passed to writeHead(status, undefined | null, headers)', () => {
  it.each(['undefined', 'null'])('are gated when the second argument is %s', async (second) => {
    const res = await http().get(`/probe/third/${second}`).expect(200);
    expect(raw(res)).toEqual([]);
    const granted = await http().get(`/probe/third/${second}`).set('Cookie', await acceptAllCookie()).expect(200);
    expect(raw(granted).map((c) => c.split('=')[0]).sort()).toEqual(['demo_analytics', 'demo_theme']);
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
