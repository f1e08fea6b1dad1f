import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthenticatedGuard, Roles, RolesGuard } from '../../src/index.js';

declare module 'express-session' {
  interface SessionData {
    /** What the probe routes keep in a session. */
    note?: string;
    cart?: unknown;
  }
}

/** A gate a test opens to let a held request finish. */
export class Gate {
  entered!: Promise<void>;
  private enter!: () => void;
  private release!: () => void;
  private released!: Promise<void>;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.entered = new Promise((r) => (this.enter = r));
    this.released = new Promise((r) => (this.release = r));
  }

  async hold(): Promise<void> {
    this.enter();
    await this.released;
  }

  open(): void {
    this.release();
  }
}

/** The gate GET /test/slow waits at. */
export const gate = new Gate();

/** Routes of an app under test at /test: public, signed-in, admin-only, and ones that touch the session oddly. */
@Controller('test')
export class ProbeController {
  @Get('public')
  open(): { ok: true } {
    return { ok: true };
  }

  @Get('private')
  @UseGuards(AuthenticatedGuard)
  private(@Req() req: Request): unknown {
    return { user: req.user };
  }

  @Get('admin')
  @Roles('admin')
  @UseGuards(RolesGuard)
  admin(): { ok: true } {
    return { ok: true };
  }

  /** Pre-login session data (what the consent feature keeps) plus a key that must not survive login. */
  @Post('visitor')
  visitor(@Req() req: Request): { ok: true } {
    const body = req.body as { consent?: unknown } | undefined;
    Object.assign(req.session!, { consent: body?.consent ?? { analytics: true }, cart: 'x' });
    return { ok: true };
  }

  /** Puts data in the session and writes its own headers with writeHead (or Node's alias writeHeader). */
  @Post('raw-headers')
  rawHeaders(@Req() req: Request, @Res() res: Response): void {
    req.session!.note = 'set before raw headers';
    const alias = (res as unknown as { writeHeader: Response['writeHead'] }).writeHeader;
    const write = (req.query.alias === '1' ? alias : res.writeHead).bind(res);
    write(200, {
      'Cache-Control': 'public, max-age=60',
      'Set-Cookie': 'app_pref=1; Path=/',
      'Content-Type': 'text/plain',
    });
    res.end('raw');
  }

  /** A signed-in request that changes its session and waits for the test before answering. */
  @Get('slow')
  @UseGuards(AuthenticatedGuard)
  async slow(@Req() req: Request): Promise<{ ok: true }> {
    req.session!.note = 'written by the slow request';
    await gate.hold();
    return { ok: true };
  }
}
