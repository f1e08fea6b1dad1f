import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiNotModifiedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AUTH_CONSENT_ROUTES } from '../auth-consent.constants.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';

// Read once at load: the script ships beside this file in the package.
const SOURCE = readFileSync(new URL('./consent-banner.js', import.meta.url), 'utf8');
const DEFAULT_API = "|| '/consent';";

/** The script with its default `data-api` set to where the consent routes are (option `routes.consent`). */
export function bannerScript(consentPath: string): string {
  if (!SOURCE.includes(DEFAULT_API)) throw new Error('consent-banner.js no longer holds its default API path');
  return SOURCE.replace(DEFAULT_API, `|| ${JSON.stringify(consentPath)};`);
}

/**
 * Serves the cookie banner script at `GET <routes.banner>/banner.js` (default `/consent/banner.js`) so any
 * page of the app can include it.
 */
@ApiTags('consent')
@Controller()
export class BannerController {
  private readonly script: string;
  private readonly etag: string;

  constructor(@Inject(AUTH_CONSENT_ROUTES) routes: ResolvedRoutes) {
    this.script = bannerScript(routes.consent === false ? '/consent' : routes.consent);
    this.etag = `"${createHash('sha256').update(this.script).digest('base64url').slice(0, 27)}"`;
  }

  @Get('banner.js')
  @ApiOperation({ summary: 'The cookie banner script (ETag, cached 5 minutes)' })
  @ApiOkResponse({ description: 'The script.', content: { 'application/javascript': { schema: { type: 'string' } } } })
  @ApiNotModifiedResponse({ description: 'If-None-Match matched the ETag.' })
  serve(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() res: Response): void {
    res.setHeader('ETag', this.etag);
    res.setHeader('Cache-Control', 'public, max-age=300, must-revalidate');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (ifNoneMatch === this.etag) {
      res.status(304).end();
      return;
    }
    res.type('application/javascript; charset=utf-8').send(this.script);
  }
}
