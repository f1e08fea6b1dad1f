import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AuthService } from '../../src/index.js';
import { dataSourceOf, insertEvents, type EventSpec } from '../support/admin.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from '../support/services.js';
import { launchChromium, seriousA11yViolations, serveDemo } from './browser-harness.js';

const prefix = uniquePrefix('adc');
const env = {
  DATABASE_URL: POSTGRES_URL,
  TABLE_PREFIX: prefix,
  REDIS_URL,
  REDIS_PREFIX: `${prefix}r:`,
  SESSION_SECRET: TEST_SECRET,
  CONSENT_AUDIT_SECRET: 'browser-audit-secret-0123456789-abcdef',
  CONSENT_POLICY_VERSION: '1',
};
const PASSWORD = 'admin console password';
const DAY = 86_400_000;
/** Seeded subjects: enough for two progress lines of the verify stream (one every 100 subjects). */
const SUBJECTS = 230;
const ACTIONS = ['grant', 'refuse', 'update', 'withdraw'];
const SOURCES = ['banner', 'settings', 'api'];

jest.setTimeout(90_000);

/** The demo's admin console in Debian's Chromium (PostgreSQL, Redis). */
describe('the admin console in a real browser', () => {
  let browser: Browser;
  let app: INestApplication;
  let baseUrl: string;
  let seeded: EventSpec[];

  beforeAll(async () => {
    browser = await launchChromium();
    ({ app, baseUrl } = await serveDemo(env));
    const auth = app.get(AuthService);
    await auth.createUser('Grace', PASSWORD);
    await auth.createUser('gregory', PASSWORD);
    await auth.createUser('root', PASSWORD, ['admin']);
    const now = Date.now();
    seeded = Array.from({ length: SUBJECTS }, (_, i) => ({
      subjectId: `v-${String(i).padStart(4, '0')}`,
      action: ACTIONS[i % 4],
      source: SOURCES[i % 3],
      after: { analytics: i % 3 !== 0, marketing: i % 5 === 0, preferences: i % 2 === 0 },
      at: new Date(now - (i % 9) * DAY - 60_000 - i * 1000),
    }));
    // Placeholder hashes: every seeded chain is reported broken by the verification.
    await insertEvents(dataSourceOf(app), seeded);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await deleteRedisPrefix(`${prefix}r:`);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  async function signIn(context: BrowserContext, username: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/login`);
    // The consent banner is not what these tests look at (and covers the form on a small screen): decide first.
    expect(
      await page.evaluate(
        `fetch('/consent', { method: 'PUT', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ choice: 'reject-all', policyVersion: '1' }) }).then((r) => r.status)`,
      ),
    ).toBe(200);
    await page.reload();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/account`);
    return page;
  }

  async function adminPage(viewport?: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(viewport ? { viewport } : {});
    const page = await signIn(context, 'root');
    await page.goto(`${baseUrl}/admin`);
    await page.waitForLoadState('networkidle');
    return { context, page };
  }

  const api = <T>(page: Page, path: string) =>
    page.evaluate(`fetch(${JSON.stringify(path)}, { credentials: 'same-origin' }).then((r) => r.json())`) as Promise<T>;

  it('finds a user by name, lists the sessions, revokes one: that browser is signed out, the other is not; axe clean', async () => {
    const phone = await browser.newContext({ userAgent: 'Phone browser' });
    const laptop = await browser.newContext({ userAgent: 'Laptop browser' });
    await signIn(phone, 'grace');
    await signIn(laptop, 'grace');
    const { context, page } = await adminPage();

    // From the keyboard: type a prefix in other case, Enter, then open the user.
    await page.getByLabel('Search users by name').fill('GR');
    await page.keyboard.press('Enter');
    await page.getByText('2 user(s).').waitFor();
    expect(await page.locator('#users-out tbody tr td:first-child').allTextContents()).toEqual(['grace', 'gregory']);
    expect(await page.locator('#users-out tbody tr').first().locator('td').nth(3).textContent()).toBe('2');
    await page.getByRole('button', { name: 'grace', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'User grace' }).waitFor();
    await page.getByRole('button', { name: 'Revoke the session on Phone browser' }).waitFor();
    expect(await page.locator('#user-sessions-out tbody tr').count()).toBe(2);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Revoke the session on Phone browser' }).click();
    await page.getByText('Session revoked.').waitFor();
    // Polled from the test (page.waitForFunction evaluates its predicate with eval, which the demo's CSP refuses).
    const rows = page.locator('#user-sessions-out tbody tr');
    for (let i = 0; i < 100 && (await rows.count()) !== 1; i++) await page.waitForTimeout(50);
    expect(await rows.count()).toBe(1);

    const phonePage = await phone.newPage();
    await phonePage.goto(`${baseUrl}/account`);
    await phonePage.waitForURL(`${baseUrl}/login`);
    const laptopPage = await laptop.newPage();
    await laptopPage.goto(`${baseUrl}/account`);
    expect(laptopPage.url()).toBe(`${baseUrl}/account`);

    // Disabling signs the last browser out too; enabling shows the account active again.
    await page.getByRole('button', { name: 'Disable account' }).click();
    await page.getByText('Account disabled; every session revoked.').waitFor();
    await page.getByText('No live session.').waitFor();
    await laptopPage.goto(`${baseUrl}/account`);
    await laptopPage.waitForURL(`${baseUrl}/login`);
    await page.getByRole('button', { name: 'Enable account' }).click();
    await page.getByText('Account enabled.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await Promise.all([phone.close(), laptop.close(), context.close()]);
  });

  it('the events view filters and pages like the API, and the export links carry the filters; axe clean', async () => {
    const { context, page } = await adminPage();
    const expected = seeded.filter((e) => e.action === 'withdraw' && e.source === 'settings');
    expect(expected.length).toBeGreaterThan(10);
    await page.getByLabel('Action', { exact: true }).selectOption('withdraw');
    await page.getByLabel('Source', { exact: true }).selectOption('settings');
    await page.getByLabel('Per page', { exact: true }).selectOption('10');
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.getByText(/^Page 1: 10 event\(s\)/).waitFor();

    const subjects: string[] = [];
    for (let p = 1; ; p++) {
      await page.getByText(new RegExp(`^Page ${p}: `)).waitFor();
      const rows = page.locator('#events-out tbody tr');
      for (const row of await rows.all()) {
        const cells = await row.locator('td').allTextContents();
        expect(cells[2]).toBe('withdraw');
        expect(cells[3]).toBe('settings');
        subjects.push(cells[1]);
      }
      if (p === 1) expect(await seriousA11yViolations(page)).toEqual([]);
      const next = page.getByRole('button', { name: 'Older events' });
      if (await next.isDisabled()) break;
      await next.click();
    }
    // Newest first, every matching event exactly once.
    const newestFirst = [...expected]
      .sort((a, b) => b.at.getTime() - a.at.getTime())
      .map((e) => `visitor ${e.subjectId}`);
    expect(subjects).toEqual(newestFirst);
    await page.getByRole('button', { name: 'Newer events' }).click();
    await page.getByText(/^Page \d+: 10 event\(s\), older ones/).waitFor();

    const href = await page.getByRole('link', { name: 'Export these events as CSV' }).getAttribute('href');
    expect(new URLSearchParams(href!.split('?')[1])).toEqual(
      new URLSearchParams({ action: 'withdraw', source: 'settings', format: 'csv' }),
    );
    const csv = (await page.evaluate(`fetch(${JSON.stringify(href)}).then((r) => r.text())`)) as string;
    expect(csv.trim().split('\r\n')).toHaveLength(expected.length + 1);
    await context.close();
  });

  it("the charts draw the stats API's numbers, with accessible names and data tables; axe clean", async () => {
    const { context, page } = await adminPage();
    await page.getByLabel('Period', { exact: true }).selectOption('30');
    await page.getByRole('button', { name: 'Draw' }).click();
    await page.locator('#rate-chart').waitFor();
    const to = Date.parse(new Date().toISOString().slice(0, 10)) + DAY;
    const stats = await api<{
      decisions: number;
      byCategory: Record<string, { granted: number; refused: number; rate: number | null }>;
      byDay: Array<{ day: string; decisions: number; byAction: Record<string, number> }>;
    }>(page, `/admin/consent/stats?from=${new Date(to - 30 * DAY).toISOString()}&to=${new Date(to).toISOString()}`);
    // The seeded decisions, and the refusals these tests' admin browsers made.
    expect(stats.decisions).toBeGreaterThanOrEqual(SUBJECTS);

    expect(await page.getByRole('img', { name: 'Grant rate per category' }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Decisions per day, stacked by action' }).count()).toBe(1);
    const bars = (await page
      .locator('#rate-chart rect[data-category]')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-category'), e.getAttribute('data-rate')]),
      )) as string[][];
    expect(Object.fromEntries(bars)).toEqual(
      Object.fromEntries(Object.entries(stats.byCategory).map(([c, s]) => [c, String(s.rate)])),
    );
    const rateRows = await page
      .getByRole('table', { name: 'Grant rate per category (data)' })
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from((tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map(
            (td) => td.textContent,
          ),
        ),
      );
    expect(rateRows).toEqual(
      Object.keys(stats.byCategory)
        .sort()
        .map((c) => [
          c,
          String(stats.byCategory[c].granted),
          String(stats.byCategory[c].refused),
          `${Math.round(stats.byCategory[c].rate! * 1000) / 10}%`,
        ]),
    );

    const stacks = (await page
      .locator('#days-chart rect[data-day]')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('data-day'), e.getAttribute('data-action'), e.getAttribute('data-count')]),
      )) as string[][];
    const fromApi = stats.byDay.flatMap((d) =>
      ACTIONS.filter((a) => d.byAction[a] > 0).map((a) => [d.day, a, String(d.byAction[a])]),
    );
    expect(stacks).toEqual(fromApi);
    const dayRows = await page
      .getByRole('table', { name: /^Decisions per day \(data/ })
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) =>
          Array.from((tr as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map(
            (td) => td.textContent,
          ),
        ),
      );
    expect(dayRows).toEqual(
      stats.byDay.map((d) => [d.day, ...ACTIONS.map((a) => String(d.byAction[a])), String(d.decisions)]),
    );
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('verify-all: the progress advances with the stream, broken chains are listed as they come, it ends with the count; axe clean', async () => {
    const { context, page } = await adminPage();
    // Every value the counter takes, as the page shows it: each change's old value (a burst of lines read
    // in one go changes it several times before an observer runs), then the last.
    await page.evaluate(`(() => {
      window.__seen = [];
      const bar = document.getElementById('verify-progress');
      new MutationObserver((records) => { for (const r of records) if (r.oldValue !== null) window.__seen.push(Number(r.oldValue)); })
        .observe(bar, { attributes: true, attributeOldValue: true, attributeFilter: ['data-subjects'] });
    })()`);
    await page.getByRole('button', { name: 'Verify every chain' }).click();
    await page.getByText(/broken chain\(s\) of \d+/).waitFor({ timeout: 30_000 });
    const seen = (
      (await page.evaluate(
        `window.__seen.concat(Number(document.getElementById('verify-progress').getAttribute('data-subjects')))`,
      )) as number[]
    ).filter((n) => n > 0);
    const status = await page.locator('#verify-status').textContent();
    const total = Number(/of (\d+)/.exec(status!)![1]);
    expect(total).toBeGreaterThanOrEqual(SUBJECTS);
    expect(seen.slice(0, 2)).toEqual([100, 200]);
    expect(seen.at(-1)).toBe(total);
    expect(
      await page
        .locator('#verify-progress')
        .evaluate((bar: unknown) => [(bar as { value: number }).value, (bar as { max: number }).max]),
    ).toEqual([total, total]);
    expect(await page.locator('#verify-broken li').count()).toBe(Number(/^(\d+) broken/.exec(status!)![1]));
    expect(await page.locator('#verify-broken li').count()).toBeGreaterThanOrEqual(SUBJECTS);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });

  it('fits a 360 px wide screen with every view filled (no horizontal scroll)', async () => {
    const { context, page } = await adminPage({ width: 360, height: 740 });
    await page.getByLabel('Search users by name').fill('grace');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: 'grace', exact: true }).click();
    await page.getByRole('heading', { name: 'User grace' }).waitFor();
    await page.getByRole('button', { name: 'Show events' }).click();
    await page.locator('#events-out tbody tr').first().waitFor();
    await page.locator('#days-chart').waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await context.close();
  });
});
