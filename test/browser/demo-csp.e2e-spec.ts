import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { AuthService } from '../../src/index.js';
import { launchChromium, serveDemo } from './browser-harness.js';

const PASSWORD = 'browser test password';
jest.setTimeout(60_000);

/**
 * Issue 15, item 7: the demo sent `X-Powered-By` and no CSP or frame-ancestors. Every response now carries a
 * CSP with `frame-ancestors 'none'`; the pages and the banner must still work under it in a real browser.
 */
describe('the demo under its Content Security Policy (Chromium, in-process store)', () => {
  let browser: Browser;
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ app, baseUrl } = await serveDemo({ DATABASE_URL: 'sqlite::memory:' }));
    await app.get(AuthService).createUser('csp', PASSWORD);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it.each(['/', '/login', '/account', '/admin', '/assets/app.js', '/consent/banner.js', '/health', '/no/such/route'])(
    '%s: a CSP with frame-ancestors none and script-src self, no X-Powered-By',
    async (path) => {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.headers['x-powered-by']).toBeUndefined();
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    },
  );

  /** Records every CSP violation the page reports. */
  async function watched(path: string): Promise<{ page: Page; violations: () => Promise<string[]> }> {
    const page = await browser.newPage();
    await page.addInitScript(
      `window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
    );
    await page.goto(`${baseUrl}${path}`);
    return { page, violations: () => page.evaluate<string[]>('window.__csp') };
  }

  it('the home page, the banner and its preferences dialog run without a CSP violation', async () => {
    const { page, violations } = await watched('/');
    const banner = page.getByRole('region', { name: 'Cookie consent' });
    await banner.waitFor({ state: 'visible' });
    // The banner's injected stylesheet applies (it positions the banner): not the static default.
    expect(
      await banner.evaluate(
        (el) =>
          (
            el.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { position: string } }
          ).getComputedStyle(el).position,
      ),
    ).not.toBe('static');
    await banner.getByRole('button', { name: 'Customise' }).click();
    await page.getByRole('dialog').waitFor({ state: 'visible' });
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('signing in through the login page works and reports no violation', async () => {
    const { page, violations } = await watched('/login');
    await page.getByLabel('Username').fill('csp');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/account`);
    expect(await violations()).toEqual([]);
    await page.close();
  });

  it('a page cannot be framed', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/health`);
    await page.setContent(`<iframe src="${baseUrl}/login"></iframe>`);
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const framed = frame
      ? await frame.evaluate<string>(`document.body ? document.body.innerText : ''`).catch(() => '')
      : '';
    expect(framed).not.toContain('Sign in');
    await page.close();
  });
});
