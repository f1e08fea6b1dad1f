import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { fileURLToPath } from 'node:url';

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const PAGES: Record<string, string> = { '': 'index.html', login: 'login.html', account: 'account.html', admin: 'admin.html' };
const ASSETS = new Set(['styles.css', 'app.js', 'home.js', 'login.js', 'account.js', 'admin.js']);

/** The demo's pages (no front-end build step): served from a fixed list, never from a client-chosen path. */
@ApiExcludeController()
@Controller()
export class DemoController {
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
    res.sendFile(PAGES[name], { root: PUBLIC_DIR });
  }
}
