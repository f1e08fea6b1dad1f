import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Read once at load: the script ships beside this file in the package.
const SCRIPT = readFileSync(new URL('./consent-banner.js', import.meta.url), 'utf8');
const ETAG = `"${createHash('sha256').update(SCRIPT).digest('base64url').slice(0, 27)}"`;

/** Serves the cookie banner script at `GET /consent/banner.js` so any page of the app can include it. */
@Controller('consent')
export class BannerController {
  @ApiExcludeEndpoint()
  @Get('banner.js')
  script(@Headers('if-none-match') ifNoneMatch: string | undefined, @Res() res: Response): void {
    res.setHeader('ETag', ETAG);
    res.setHeader('Cache-Control', 'public, max-age=300, must-revalidate');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (ifNoneMatch === ETAG) {
      res.status(304).end();
      return;
    }
    res.type('application/javascript; charset=utf-8').send(SCRIPT);
  }
}
