import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AUTH_CONSENT_ROUTES } from '../auth-consent.constants.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const PAGES: Record<string, string> = { '': 'index.html', login: 'login.html', account: 'account.html', admin: 'admin.html' };
const ASSETS = new Set(['styles.css', 'app.js', 'home.js', 'login.js', 'account.js', 'admin.js']);

/**
 * A page with the module's paths in it (option `routes`): the banner script's tag and links to the module's
 * routes point where the routes are, and a `<meta name="auth-consent-routes">` tells the pages' scripts (app.js).
 */
export function pageWithRoutes(html: string, routes: ResolvedRoutes): string {
  const meta = `<meta name="auth-consent-routes" content="${JSON.stringify(routes).replace(/"/g, '&quot;')}">`;
  const banner = routes.banner === false ? '' : `<script src="${routes.banner}/banner.js" defer></script>`;
  return html
    .replace(/(href|src)="\/(auth|consent|admin|health)((?:[/?][^"]*)?)"/g, (whole, attr: string, group: keyof ResolvedRoutes, rest: string) => {
      if (group === 'admin' && rest === '') return whole; // the demo's own /admin page
      if (group === 'consent' && rest === '/banner.js') return whole; // the banner's tag, below
      const base = routes[group];
      return base === false ? whole : `${attr}="${base}${rest}"`;
    })
    .replace('<script src="/consent/banner.js" defer></script>', `${meta}\n  ${banner}`);
}

/** The demo's pages (no front-end build step): served from a fixed list, never from a client-chosen path. */
@ApiExcludeController()
@Controller()
export class DemoController {
  private readonly pages: Record<string, string>;

  constructor(@Inject(AUTH_CONSENT_ROUTES) routes: ResolvedRoutes) {
    this.pages = Object.fromEntries(Object.entries(PAGES).map(([name, file]) => [name, pageWithRoutes(readFileSync(PUBLIC_DIR + file, 'utf8'), routes)]));
  }

  @Get()
  home(@Res() res: Response): void {
    this.page('', res);
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
