import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../../src/auth-consent.constants.js';
import { BUILT_IN_UI_TEXTS } from '../../src/consent/consent-ui.texts.js';
import { DEMO_CONSENT_CATEGORIES } from '../../src/demo/demo-config.js';
import { DEMO_TRANSLATIONS } from '../../src/demo/demo-translations.js';
import { DEMO_PAGE_TEXTS } from '../../src/demo/demo-page.texts.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from '../support/services.js';
import { launchChromium, seriousA11yViolations, serveDemo } from './browser-harness.js';

const prefix = uniquePrefix('brl');
const env = {
  DATABASE_URL: POSTGRES_URL,
  TABLE_PREFIX: prefix,
  REDIS_URL,
  REDIS_PREFIX: `${prefix}r:`,
  SESSION_SECRET: TEST_SECRET,
  CONSENT_AUDIT_SECRET: 'browser-lang-audit-secret-0123456789-abcdef',
  CONSENT_POLICY_VERSION: '1',
  CONSENT_REGION_HEADER: 'CF-IPCountry',
};
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pl', 'pt'] as const;

jest.setTimeout(90_000);

/** The category names the demo shows in a language. */
function categoryNames(lang: string): string[] {
  return DEMO_CONSENT_CATEGORIES.map((c) =>
    lang === 'en' ? c.name : DEMO_TRANSLATIONS[lang].categories![c.key].name!,
  );
}

/**
 * The banner's languages in Chromium: the order (the app's data-lang, the page's lang, Accept-Language, English),
 * the lang of what it shows, every string in the language shown, the language recorded, and axe in each language.
 * The pages are served by the browser (route), the banner and the consent routes by the demo on PostgreSQL and Redis.
 */
describe('the banner in eight languages (Chromium)', () => {
  let browser: Browser;
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    browser = await launchChromium();
    ({ app, baseUrl } = await serveDemo(env));
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await deleteRedisPrefix(`${prefix}r:`);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  /** A page of the site with the banner: `lang` on <html> (none when null) and `data-lang` on the script tag. */
  async function page(context: BrowserContext, lang: string | null, dataLang?: string): Promise<Page> {
    const html =
      `<!doctype html><html${lang ? ` lang="${lang}"` : ''}><head><meta charset="utf-8"><title>${lang ?? 'page'}</title>` +
      `<script src="/consent/banner.js" defer${dataLang ? ` data-lang="${dataLang}"` : ''} data-policy-url="/privacy"></script></head>` +
      `<body><main><h1>${lang ? (BUILT_IN_UI_TEXTS[lang.split('-')[0]]?.dialogTitle ?? lang) : 'page'}</h1></main></body></html>`;
    await context.route(`${baseUrl}/page`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }),
    );
    const p = await context.newPage();
    await p.goto(`${baseUrl}/page`);
    return p;
  }

  const banner = (p: Page) => p.locator('section.acb-banner');
  const shown = async (p: Page) => {
    await banner(p).waitFor({ state: 'visible' });
    return {
      lang: await banner(p).getAttribute('lang'),
      buttons: await banner(p).getByRole('button').allTextContents(),
    };
  };
  const buttonsIn = (lang: string) => [
    BUILT_IN_UI_TEXTS[lang].acceptAll,
    BUILT_IN_UI_TEXTS[lang].rejectAll,
    BUILT_IN_UI_TEXTS[lang].customise,
  ];

  it('1. Accept-Language: de on a page without lang shows the German banner (lang="de"), and the decision records German', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { 'Accept-Language': 'de' } });
    const p = await page(context, null);
    expect(await shown(p)).toEqual({ lang: 'de', buttons: buttonsIn('de') });
    const de = BUILT_IN_UI_TEXTS.de;
    const region = p.getByRole('region', { name: de.bannerLabel });
    expect(await region.locator('p').first().textContent()).toBe(
      de.bannerText.replace('{categories}', categoryNames('de').slice(1).join(', ')) + ' ' + de.policyLink,
    );

    await region.getByRole('button', { name: de.customise }).click();
    const dialog = p.getByRole('dialog', { name: de.dialogTitle });
    await dialog.waitFor();
    expect(await p.locator('.acb-backdrop').getAttribute('lang')).toBe('de');
    for (const name of categoryNames('de').slice(1)) await dialog.getByRole('checkbox', { name }).waitFor();
    await dialog.getByRole('checkbox', { name: `${categoryNames('de')[0]} ${de.alwaysOn}` }).waitFor();
    await dialog
      .getByRole('table', { name: de.cookiesIn.replace('{category}', 'Statistik') })
      .getByRole('cell', { name: 'Besuchsstatistik' })
      .waitFor();
    // Nothing of the English strings is left (beyond words both languages share).
    const text = (await dialog.textContent()) + ' ' + (await region.textContent());
    const leftovers = Object.values(BUILT_IN_UI_TEXTS.en).filter(
      (s) => !['Cookie', 'Marketing'].includes(s) && text.includes(s.split('{')[0].trim()),
    );
    expect(leftovers).toEqual([]);

    await dialog.getByRole('checkbox', { name: 'Statistik' }).check();
    await dialog.getByRole('button', { name: de.save }).click();
    await dialog.waitFor({ state: 'detached' });
    const germanHash = (
      (await (await fetch(`${baseUrl}/consent/config`, { headers: { 'Accept-Language': 'de' } })).json()) as {
        textHash: string;
      }
    ).textHash;
    const [event] = await app
      .get<DataSource>(AUTH_CONSENT_DATA_SOURCE)
      .query(`SELECT locale, detail FROM "${prefix}consent_events" WHERE source = 'settings' ORDER BY id DESC LIMIT 1`);
    expect(event.locale).toBe('de');
    expect(typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail).toMatchObject({
      language: 'de',
      textHash: germanHash,
    });
    await context.close();
  });

  it("2. the order: the app's data-lang, then the page's lang, then the browser's languages, then English", async () => {
    const german = await browser.newContext({ locale: 'de-DE' });
    // The page's lang beats Accept-Language.
    expect(await shown(await page(german, 'fr'))).toEqual({ lang: 'fr', buttons: buttonsIn('fr') });
    // The app's data-lang beats the page's lang.
    expect(await shown(await page(german, 'fr', 'it'))).toEqual({ lang: 'it', buttons: buttonsIn('it') });
    // A page language the site has no texts in falls through to the browser's, a region subtag to its language.
    expect(await shown(await page(german, 'ja'))).toEqual({ lang: 'de', buttons: buttonsIn('de') });
    expect(await shown(await page(german, 'pt-BR'))).toEqual({ lang: 'pt', buttons: buttonsIn('pt') });
    await german.close();
    // None of them has texts: English.
    const japanese = await browser.newContext({ locale: 'ja-JP' });
    expect(await shown(await page(japanese, 'ja'))).toEqual({ lang: 'en', buttons: buttonsIn('en') });
    await japanese.close();
  });

  it('3. the GPC notices and the opt-out "Your privacy choices" link are in the language shown', async () => {
    const gpc = await browser.newContext({ locale: 'nl-NL', extraHTTPHeaders: { 'Sec-GPC': '1' } });
    const p = await page(gpc, 'nl');
    await banner(p).waitFor();
    expect(await p.locator('.acb-banner [data-acb="gpc-notice"]').textContent()).toBe(
      BUILT_IN_UI_TEXTS.nl.gpcNotice.replace('{categories}', 'Marketing'),
    );
    await banner(p).getByRole('button', { name: BUILT_IN_UI_TEXTS.nl.customise }).click();
    expect(await p.locator('[data-acb="gpc-conflict"]').textContent()).toBe(
      BUILT_IN_UI_TEXTS.nl.gpcConflict.replace('{category}', 'Marketing'),
    );
    await gpc.close();

    const californian = await browser.newContext({ extraHTTPHeaders: { 'CF-IPCountry': 'US-CA' } });
    const q = await page(californian, 'es');
    const choices = q.getByRole('complementary', { name: BUILT_IN_UI_TEXTS.es.choicesLabel });
    await choices.getByRole('button', { name: BUILT_IN_UI_TEXTS.es.choicesLink }).waitFor();
    expect(await choices.getAttribute('lang')).toBe('es');
    expect(await seriousA11yViolations(q)).toEqual([]);
    await californian.close();
  });

  it('4. the demo home page in German: the page, its lang, the banner, the dialog and the state table are German; axe finds nothing serious', async () => {
    const context = await browser.newContext({ locale: 'de-DE' });
    const p = await context.newPage();
    await p.goto(`${baseUrl}/`);
    const de = BUILT_IN_UI_TEXTS.de;
    const texts = DEMO_PAGE_TEXTS.de;
    expect(await p.evaluate('document.documentElement.lang')).toBe('de');
    expect(await p.title()).toBe(texts.title);
    expect(await p.getByRole('heading', { level: 1 }).textContent()).toBe(texts.heading);
    expect(await shown(p)).toEqual({ lang: 'de', buttons: buttonsIn('de') });
    await p.locator('#state td[data-category="analytics"]').filter({ hasText: texts.undecided }).waitFor();
    expect(await p.locator('#state tr td:first-child').allTextContents()).toEqual(categoryNames('de'));
    expect(await p.locator('#state-note').textContent()).toBe(texts.noteUndecided);
    expect(await seriousA11yViolations(p)).toEqual([]);

    await p.getByRole('link', { name: texts.navCookieSettings }).click();
    const dialog = p.getByRole('dialog', { name: de.dialogTitle });
    await dialog.waitFor();
    expect(await seriousA11yViolations(p)).toEqual([]);
    await dialog.getByRole('button', { name: de.acceptAll }).click();
    await dialog.waitFor({ state: 'detached' });
    await p
      .locator('#state-note')
      .filter({ hasText: /^Entschieden am .+, gültig bis .+\.$/ })
      .waitFor();
    expect(await p.locator('#state td[data-category="analytics"]').textContent()).toBe(texts.granted);
    await p.getByRole('button', { name: texts.trackButton }).click();
    await p
      .locator('#track-result')
      .filter({ hasText: 'Demo-Cookies in diesem Browser jetzt: demo_theme, demo_analytics, demo_ads' })
      .waitFor();
    const [event] = await app
      .get<DataSource>(AUTH_CONSENT_DATA_SOURCE)
      .query(`SELECT locale, detail FROM "${prefix}consent_events" ORDER BY id DESC LIMIT 1`);
    expect(event.locale).toBe('de');
    expect(typeof event.detail === 'string' ? JSON.parse(event.detail) : event.detail).toMatchObject({
      language: 'de',
    });
    await context.close();

    // A language the demo has no texts in: the English page and banner.
    const japanese = await browser.newContext({ locale: 'ja-JP' });
    const q = await japanese.newPage();
    await q.goto(`${baseUrl}/`);
    expect(await q.evaluate('document.documentElement.lang')).toBe('en');
    expect(await shown(q)).toEqual({ lang: 'en', buttons: buttonsIn('en') });
    await japanese.close();
  });

  it.each(LANGUAGES)('5. %s: banner and dialog in the language, lang set, axe finds nothing serious', async (lang) => {
    const context = await browser.newContext();
    const p = await page(context, lang);
    expect(await shown(p)).toEqual({ lang, buttons: buttonsIn(lang) });
    expect(await seriousA11yViolations(p)).toEqual([]);
    await banner(p).getByRole('button', { name: BUILT_IN_UI_TEXTS[lang].customise }).click();
    const dialog = p.getByRole('dialog', { name: BUILT_IN_UI_TEXTS[lang].dialogTitle });
    await dialog.waitFor();
    expect(await dialog.getByRole('checkbox').evaluateAll((boxes) => boxes.length)).toBe(4);
    expect(await dialog.getByRole('button', { name: BUILT_IN_UI_TEXTS[lang].save }).count()).toBe(1);
    for (const name of categoryNames(lang).slice(1))
      await dialog.getByRole('checkbox', { name, exact: true }).waitFor();
    expect(await seriousA11yViolations(p)).toEqual([]);
    await context.close();
  });
});
