import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { bootDemo } from './support/demo-app.js';
import { TEST_SECRET } from './support/services.js';

/** The demo's pages and scripts with the module's routes moved (AUTH_PATH, CONSENT_PATH, …); the module's own routes option is in route-paths.e2e-spec.ts. */
let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('the demo follows moved routes', () => {
  it('points its pages (banner tag, links, the routes meta its scripts read) at the moved paths', async () => {
    app = await bootDemo({
      SESSION_SECRET: TEST_SECRET,
      DATABASE_URL: 'sqlite::memory:',
      AUTH_PATH: '/api/auth',
      CONSENT_PATH: '/api/consent',
      HEALTH_PATH: '/status',
      ADMIN_PATH: 'backoffice',
    });
    const http = app.getHttpServer();
    const home = (await request(http).get('/').expect(200)).text;
    expect(home).toContain('<script src="/api/consent/banner.js" defer></script>');
    expect(home).not.toContain('"/consent/banner.js"');
    expect(home).toContain('href="/status"');
    const meta = /<meta name="auth-consent-routes" content="([^"]*)">/.exec(home);
    expect(JSON.parse(meta![1].replace(/&quot;/g, '"'))).toEqual({
      auth: '/api/auth',
      consent: '/api/consent',
      banner: '/api/consent',
      health: '/status',
      admin: '/backoffice',
    });
    expect((await request(http).get('/account').expect(200)).text).toContain('href="/api/consent/export"');
    const admin = (await request(http).get('/admin').expect(200)).text;
    expect(admin).toContain('href="/backoffice/consent/events/export?format=csv"');
    expect((await request(http).get('/api/consent/banner.js').expect(200)).text).toContain('|| "/api/consent";');
    await request(http).get('/status').expect(200);
  });

  it("maps the paths the demo's scripts call (Demo.url in app.js) through the routes meta", () => {
    const content = JSON.stringify({
      auth: '/api/auth',
      consent: '/api/consent',
      banner: '/api/consent',
      health: false,
      admin: '/backoffice',
    });
    const sandbox = {
      window: {} as { Demo?: { url(path: string): string } },
      document: { querySelector: () => ({ getAttribute: () => content }) },
    };
    runInNewContext(readFileSync(new URL('../src/demo/public/app.js', import.meta.url), 'utf8'), sandbox);
    const url = sandbox.window.Demo!.url;
    expect(url('/auth/me')).toBe('/api/auth/me');
    expect(url('/consent')).toBe('/api/consent');
    expect(url('/consent/history')).toBe('/api/consent/history');
    expect(url('/admin/users?query=a')).toBe('/backoffice/users?query=a');
    expect(url('/admin')).toBe('/admin'); // the demo's own page
    expect(url('/authors')).toBe('/authors');
    expect(url('/health')).toBe('/health'); // a group that is off keeps its path (and answers 404)
  });
});
