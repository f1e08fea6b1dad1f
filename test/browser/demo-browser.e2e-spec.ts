import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthService } from '../../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../../src/auth-consent.constants.js';
import type { DataSource } from 'typeorm';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from '../support/services.js';
import { cookieNames, launchChromium, seriousA11yViolations, serveDemo } from './browser-harness.js';

const prefix = uniquePrefix('brw');
const env = {
  DATABASE_URL: POSTGRES_URL,
  TABLE_PREFIX: prefix,
  REDIS_URL,
  REDIS_PREFIX: `${prefix}r:`,
  SESSION_SECRET: TEST_SECRET,
  CONSENT_AUDIT_SECRET: 'browser-audit-secret-0123456789-abcdef',
  CONSENT_POLICY_VERSION: '1',
  // The edge's region header (absent in tests 1-12: region unknown, the opt-in rules).
  CONSENT_REGION_HEADER: 'CF-IPCountry',
};
const PASSWORD = 'browser test password';

// A real browser on a 2-core machine: generous per-test time, every wait inside still bounded.
jest.setTimeout(60_000);

/** The demo in Debian's Chromium: what a visitor sees and what cookies really end up in the browser. */
describe('the demo in a real browser (Chromium, PostgreSQL, Redis)', () => {
  let browser: Browser;
  let app: INestApplication;
  let baseUrl: string;
  let graceId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ app, baseUrl } = await serveDemo(env));
    graceId = (await app.get(AuthService).createUser('grace', PASSWORD)).id;
    await app.get(AuthService).createUser('root', PASSWORD, ['admin']);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await deleteRedisPrefix(`${prefix}r:`);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  const banner = (page: Page) => page.getByRole('region', { name: 'Cookie consent' });
  const demoCookies = async (context: BrowserContext) =>
    (await cookieNames(context)).filter((n) => n.startsWith('demo_'));
  /** Calls the route that tries to set all three demo cookies, from the page, as the home page's button does. */
  const track = (page: Page) =>
    page.evaluate(`fetch('/demo/track', { credentials: 'same-origin' }).then((r) => r.status)`);

  async function home(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    return page;
  }

  /** Signs in through the login page, as a person would, and lands on the account page. */
  async function signIn(context: BrowserContext, username: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/account`);
    return page;
  }

  it('1. first visit: the banner is shown, its three choices look the same, and no cookie exists', async () => {
    const context = await browser.newContext();
    const page = await home(context);
    await banner(page).waitFor({ state: 'visible' });
    const buttons = banner(page).getByRole('button');
    expect(await buttons.allTextContents()).toEqual(['Accept all', 'Reject all', 'Customise']);
    const boxes = await Promise.all((await buttons.all()).map((b) => b.boundingBox()));
    const classes = await Promise.all((await buttons.all()).map((b) => b.getAttribute('class')));
    expect(new Set(boxes.map((b) => `${Math.round(b!.width / 4)}x${Math.round(b!.height)}`)).size).toBe(1);
    expect(new Set(classes).size).toBe(1);
    expect(await track(page)).toBe(200);
    expect(await cookieNames(context)).toEqual([]);
    await context.close();
  });

  it('2. reject all: no demo cookie after ten navigations and calls to /demo/track', async () => {
    const context = await browser.newContext();
    const page = await home(context);
    await banner(page).getByRole('button', { name: 'Reject all' }).click();
    await banner(page).waitFor({ state: 'detached' });
    for (let i = 0; i < 10; i++) {
      await page.goto(`${baseUrl}/`);
      expect(await track(page)).toBe(200);
    }
    expect(await banner(page).count()).toBe(0);
    expect(await demoCookies(context)).toEqual([]);
    const visitor = (await context.cookies()).find((c) => c.name === 'consent_visitor');
    expect(visitor).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    await context.close();
  });

  it('3. accepting only analytics in the preferences lets exactly demo_analytics through', async () => {
    const context = await browser.newContext();
    const page = await home(context);
    await banner(page).getByRole('button', { name: 'Customise' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cookie settings' });
    await dialog.getByRole('checkbox', { name: /Analytics/ }).check();
    await dialog.getByRole('button', { name: 'Save choices' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_analytics']);
    await context.close();
  });

  it('4. withdrawing from "Cookie settings" removes every demo cookie and the state says refused', async () => {
    const context = await browser.newContext();
    const page = await home(context);
    await banner(page).getByRole('button', { name: 'Accept all' }).click();
    await banner(page).waitFor({ state: 'detached' });
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);

    await page.goto(`${baseUrl}/`);
    await page.getByRole('link', { name: 'Cookie settings' }).click();
    await page
      .getByRole('dialog', { name: 'Cookie settings' })
      .getByRole('button', { name: 'Withdraw consent' })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await demoCookies(context)).toEqual([]);
    const state = (await page.evaluate('window.AuthConsent.state')) as {
      decisions: Record<string, boolean>;
      needsConsent: boolean;
    };
    expect(state.decisions).toMatchObject({ preferences: false, analytics: false, marketing: false });
    await page.locator('[data-category="analytics"]').filter({ hasText: 'refused' }).waitFor();
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual([]);
    await context.close();
  });

  it('5. after a policy version bump (app restarted), the banner is shown again', async () => {
    const context = await browser.newContext();
    let page = await home(context);
    await banner(page).getByRole('button', { name: 'Accept all' }).click();
    await banner(page).waitFor({ state: 'detached' });
    await page.goto(`${baseUrl}/`);
    // Polled from the test (page.waitForFunction evaluates its predicate with eval, which the demo's CSP refuses).
    for (let i = 0; i < 100 && !(await page.evaluate('Boolean(window.AuthConsent && window.AuthConsent.state)')); i++)
      await page.waitForTimeout(50);
    expect(await banner(page).count()).toBe(0);

    // Same database, Redis and secrets; only the policy version changes. Cookies ignore the port.
    const bumped = await serveDemo({ ...env, CONSENT_POLICY_VERSION: '2' });
    try {
      page = await context.newPage();
      await page.goto(`${bumped.baseUrl}/`);
      await banner(page).waitFor({ state: 'visible' });
      expect(await page.evaluate('window.AuthConsent.state.needsConsent')).toBe(true);
    } finally {
      // The browser first: its keep-alive connections would hold the server's close open.
      await context.close();
      await bumped.app.close();
    }
  });

  it('6. works from the keyboard alone; Esc closes the preferences without consenting; axe finds nothing serious', async () => {
    const context = await browser.newContext();
    const page = await home(context);
    await banner(page).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    const focused = () => page.evaluate(`document.activeElement && document.activeElement.textContent`);
    const tabTo = async (label: string) => {
      for (let i = 0; i < 40 && (await focused()) !== label; i++) await page.keyboard.press('Tab');
      expect(await focused()).toBe(label);
    };
    await tabTo('Customise');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Cookie settings' });
    await dialog.waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    // Focus moves into the dialog and stays there however far one tabs.
    for (let i = 0; i < 25; i++) {
      expect(await page.evaluate(`!!document.activeElement.closest('[role=dialog]')`)).toBe(true);
      await page.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab');
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focused()).toBe('Customise');
    const undecided = await page.evaluate(`fetch('/consent').then((r) => r.json())`);
    expect(undecided).toMatchObject({ needsConsent: true });
    expect(await cookieNames(context)).toEqual([]);

    await tabTo('Reject all');
    await page.keyboard.press('Enter');
    await banner(page).waitFor({ state: 'detached' });
    expect(await page.evaluate(`fetch('/consent').then((r) => r.json()).then((s) => s.needsConsent)`)).toBe(false);

    for (const path of ['/login', '/admin']) {
      await page.goto(`${baseUrl}${path}`);
      await page.waitForLoadState('networkidle');
      expect(await seriousA11yViolations(page)).toEqual([]);
    }
    await context.close();
  });

  it('7. signs in on two browsers, sees both sessions, and signs the other one out from the account page', async () => {
    const laptop = await browser.newContext({ userAgent: 'Laptop browser' });
    const phone = await browser.newContext({ userAgent: 'Phone browser' });
    await signIn(phone, 'grace');
    const page = await signIn(laptop, 'grace');
    await page.getByText('Phone browser').waitFor();
    expect(await page.locator('#sessions tbody tr').count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Sign out this session' }).click();
    await page.getByText('Session signed out.').waitFor();
    const sessionRows = page.locator('#sessions tbody tr');
    for (let i = 0; i < 100 && (await sessionRows.count()) !== 1; i++) await page.waitForTimeout(50);
    expect(await sessionRows.count()).toBe(1);

    const phonePage = await phone.newPage();
    await phonePage.goto(`${baseUrl}/account`);
    await phonePage.waitForURL(`${baseUrl}/login`);
    await laptop.close();
    await phone.close();
  });

  it('8. pushes the Consent Mode v2 state to window.dataLayer as gtag would', async () => {
    const context = await browser.newContext();
    await context.addInitScript('window.dataLayer = [];');
    const page = await home(context);
    await banner(page).getByRole('button', { name: 'Customise' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cookie settings' });
    await dialog.getByRole('checkbox', { name: /Analytics/ }).check();
    await dialog.getByRole('button', { name: 'Save choices' }).click();
    await dialog.waitFor({ state: 'detached' });
    const pushed = (await page.evaluate('window.dataLayer.map((a) => Array.from(a))')) as unknown[][];
    expect(pushed.at(-1)).toEqual([
      'consent',
      'update',
      { analytics_storage: 'granted', ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' },
    ]);
    await context.close();
  });

  it("9. the admin page finds a user's sessions, revokes them, and verifies every audit chain", async () => {
    const userContext = await browser.newContext();
    const userPage = await signIn(userContext, 'grace');
    const adminContext = await browser.newContext();
    const page = await signIn(adminContext, 'root');
    await page.goto(`${baseUrl}/admin`);
    await page.getByLabel('Search users by name').fill('grace');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: 'grace', exact: true }).click();
    await page.getByText(`ID ${graceId}`, { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Revoke all sessions' }).click();
    await page.getByText('No live session.').waitFor();
    await userPage.goto(`${baseUrl}/account`);
    await userPage.waitForURL(`${baseUrl}/login`);

    await page.getByRole('button', { name: 'Verify every chain' }).click();
    await page.getByText(/^Every chain verifies/).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await userContext.close();
    await adminContext.close();
  });

  it('10. sign-out: accept as a visitor, sign in, withdraw from "Cookie settings", sign out: no demo cookie comes back', async () => {
    await app.get(AuthService).createUser('heidi', PASSWORD);
    const context = await browser.newContext();
    let page = await home(context);
    await banner(page).getByRole('button', { name: 'Accept all' }).click();
    await banner(page).waitFor({ state: 'detached' });
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);

    page = await signIn(context, 'heidi');
    await page.goto(`${baseUrl}/`);
    await page.getByRole('link', { name: 'Cookie settings' }).click();
    await page
      .getByRole('dialog', { name: 'Cookie settings' })
      .getByRole('button', { name: 'Withdraw consent' })
      .click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await demoCookies(context)).toEqual([]);

    await page.goto(`${baseUrl}/account`);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(`${baseUrl}/`);
    expect(await page.evaluate(`fetch('/auth/me').then((r) => r.status)`)).toBe(401);
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual([]);
    const state = (await page.evaluate(`fetch('/consent').then((r) => r.json())`)) as {
      decisions: Record<string, boolean>;
    };
    expect(state.decisions).toMatchObject({ preferences: false, analytics: false, marketing: false });
    await context.close();
  });

  it('11. Sec-GPC: 1 and "Accept all": the banner says the signal is honoured, demo_ads stays out, and the home page says why', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    const page = await home(context);
    await banner(page).waitFor({ state: 'visible' });
    await banner(page)
      .getByText('Your browser sends a Global Privacy Control signal. We honour it: Marketing')
      .waitFor();
    await banner(page).getByRole('button', { name: 'Accept all' }).click();
    await banner(page).waitFor({ state: 'detached' });
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_analytics', 'demo_theme']);
    await page.locator('[data-category="marketing"]').filter({ hasText: 'refused' }).waitFor();
    await page.locator('#state-note').filter({ hasText: '(Global Privacy Control honoured)' }).waitFor();
    const state = (await page.evaluate('window.AuthConsent.state')) as Record<string, unknown>;
    expect(state).toMatchObject({
      gpcHonoured: true,
      consentMode: { ad_storage: 'denied', analytics_storage: 'granted' },
    });
    await context.close();
  });

  it('12. Sec-GPC: 1: granting Marketing in the dialog after the conflict notice works, is recorded, and the page no longer says "honoured"', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'Sec-GPC': '1' } });
    const page = await home(context);
    await banner(page).getByRole('button', { name: 'Customise' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cookie settings' });
    const notice = dialog.locator('[data-acb="gpc-conflict"]');
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/Global Privacy Control.*Turning it on overrides that signal/);
    expect(await dialog.getByRole('checkbox', { name: /Marketing/ }).isChecked()).toBe(false);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await dialog.getByRole('checkbox', { name: /Marketing/ }).check();
    await dialog.getByRole('button', { name: 'Save choices' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_ads']);
    await page
      .locator('#state-note')
      .filter({ hasText: 'you chose to override Global Privacy Control for marketing' })
      .waitFor();
    expect(await page.locator('#state-note').textContent()).not.toMatch(/honoured/);

    const ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    const [event] = (await ds.query(
      `SELECT detail, source FROM "${prefix}consent_events" WHERE detail LIKE '%gpcOverride%' ORDER BY id DESC LIMIT 1`,
    )) as Array<{ detail: string; source: string }>;
    expect({ ...event, detail: JSON.parse(event.detail) }).toEqual({
      source: 'settings',
      detail: {
        gpc: true,
        gpcOverride: ['marketing'],
        ruleSet: 'opt-in',
        textHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        language: 'en',
      },
    });
    await context.close();
  });

  it('13. a visitor from a US state with a privacy law (US-CA): no blocking banner, analytics on until refused through "Your privacy choices"', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'CF-IPCountry': 'US-CA' } });
    const page = await home(context);
    const choices = page.getByRole('button', { name: /Your privacy choices/ });
    await choices.waitFor();
    expect(await banner(page).count()).toBe(0);
    await page.locator('#state-note').filter({ hasText: 'Opt-out rules apply in your region (US-CA)' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_ads', 'demo_analytics', 'demo_theme']);

    await choices.click();
    const dialog = page.getByRole('dialog', { name: 'Cookie settings' });
    expect(await dialog.getByRole('checkbox', { name: /Analytics/ }).isChecked()).toBe(true);
    await dialog.getByRole('checkbox', { name: /Analytics/ }).uncheck();
    await dialog.getByRole('button', { name: 'Save choices' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await demoCookies(context)).toEqual(['demo_ads', 'demo_theme']);
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual(['demo_ads', 'demo_theme']);
    expect(
      await page.evaluate(`fetch('/consent').then((r) => r.json()).then((s) => [s.ruleSet, s.decisions.analytics])`),
    ).toEqual(['opt-out', false]);
    await context.close();
  });

  it('14. a visitor from the EU (DE) gets the banner and no optional cookie before deciding', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'CF-IPCountry': 'DE' } });
    const page = await home(context);
    await banner(page).waitFor({ state: 'visible' });
    expect(await page.getByRole('button', { name: /Your privacy choices/ }).count()).toBe(0);
    expect(await track(page)).toBe(200);
    expect(await demoCookies(context)).toEqual([]);
    await context.close();
  });
});
