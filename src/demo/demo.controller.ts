import { Controller, Get, Headers, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUTH_CONSENT_ROUTES } from '../auth-consent.constants.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { acceptedLanguages } from '../common/accept-language.js';
import { DEMO_PAGE_TEXTS, type DemoPageTexts } from './demo-page.texts.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const PAGES: Record<string, string> = {
  '': 'index.html',
  login: 'login.html',
  account: 'account.html',
  admin: 'admin.html',
};
const ASSETS = new Set(['styles.css', 'app.js', 'home.js', 'login.js', 'account.js', 'admin.js']);

/**
 * A page with the module's paths in it (option `routes`): the banner script's tag and links to the module's
 * routes point where the routes are, and a `<meta name="auth-consent-routes">` tells the pages' scripts (app.js).
 */
export function pageWithRoutes(html: string, routes: ResolvedRoutes): string {
  const meta = `<meta name="auth-consent-routes" content="${JSON.stringify(routes).replace(/"/g, '&quot;')}">`;
  const banner = routes.banner === false ? '' : `<script src="${routes.banner}/banner.js" defer></script>`;
  return html
    .replace(
      /(href|src)="\/(auth|consent|admin|health)((?:[/?][^"]*)?)"/g,
      (whole, attr: string, group: keyof ResolvedRoutes, rest: string) => {
        if (group === 'admin' && rest === '') return whole; // the demo's own /admin page
        if (group === 'consent' && rest === '/banner.js') return whole; // the banner's tag, below
        const base = routes[group];
        return base === false ? whole : `${attr}="${base}${rest}"`;
      },
    )
    .replace('<script src="/consent/banner.js" defer></script>', `${meta}\n  ${banner}`);
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const CODE: Record<string, string> = {
  track: 'GET /demo/track',
  theme: 'demo_theme',
  analytics: 'demo_analytics',
  ads: 'demo_ads',
};

/**
 * A page in a language: `<html lang>`, its `{{key}}` texts, and every text in `<meta name="demo-texts">` for
 * the page's scripts (app.js `t()`). Only the home page is translated; the others pass 'en'.
 */
export function pageInLanguage(html: string, lang: string): string {
  const texts = DEMO_PAGE_TEXTS[lang];
  const meta = `<meta name="demo-texts" content="${escapeHtml(JSON.stringify(texts))}">`;
  return html
    .replace('<html lang="en">', `<html lang="${lang}">`)
    .replace(/\{\{(\w+)\}\}/g, (_, key: keyof DemoPageTexts) => {
      if (!(key in texts)) throw new Error(`demo page text '${key}' is missing`);
      return escapeHtml(texts[key]).replace(
        /\{(track|theme|analytics|ads)\}/g,
        (__, name: string) => `<code>${CODE[name]}</code>`,
      );
    })
    .replace('</head>', `  ${meta}\n</head>`);
}

/** The demo's languages an Accept-Language header asks for first (`de-AT` finds `de`), else English. */
export function demoLanguage(header: string | undefined): string {
  for (const tag of acceptedLanguages(header)) {
    const lower = tag.toLowerCase();
    if (DEMO_PAGE_TEXTS[lower]) return lower;
    if (DEMO_PAGE_TEXTS[lower.split('-')[0]]) return lower.split('-')[0];
  }
  return 'en';
}

/** The demo's pages (no front-end build step): served from a fixed list, never from a client-chosen path. */
@ApiExcludeController()
@Controller()
export class DemoController {
  private readonly pages: Record<string, string>;
  /** The home page in each of the demo's languages; the banner on it follows its lang. */
  private readonly homes: Record<string, string>;

  constructor(@Inject(AUTH_CONSENT_ROUTES) routes: ResolvedRoutes) {
    const read = (file: string) => pageWithRoutes(readFileSync(PUBLIC_DIR + file, 'utf8'), routes);
    this.pages = Object.fromEntries(
      Object.entries(PAGES).map(([name, file]) => [name, pageInLanguage(read(file), 'en')]),
    );
    const home = read(PAGES['']);
    this.homes = Object.fromEntries(Object.keys(DEMO_PAGE_TEXTS).map((lang) => [lang, pageInLanguage(home, lang)]));
  }

  @Get()
  home(@Headers('accept-language') acceptLanguage: string | undefined, @Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Language');
    res.type('html').send(this.homes[demoLanguage(acceptLanguage)]);
  }

  // One handler per page: Express matches /Login, /login/ and /LOGIN here too, so the page is never read
  // from the request's path.
  @Get('login')
  login(@Res() res: Response): void {
    this.page('login', res);
  }

  @Get('account')
  account(@Res() res: Response): void {
    this.page('account', res);
  }

  @Get('admin')
  admin(@Res() res: Response): void {
    this.page('admin', res);
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (!ASSETS.has(file)) throw new NotFoundException(`No asset ${file}`);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(file, { root: PUBLIC_DIR });
  }

  private page(name: '' | 'login' | 'account' | 'admin', res: Response): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(this.pages[name]);
  }
}
