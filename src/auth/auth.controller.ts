import { Body, Controller, Delete, ForbiddenException, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, Res, UseGuards, UsePipes, BadRequestException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { createAuthConsentValidationPipe } from '../common/validation.pipe.js';
import { SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { isSessionUnavailable, sessionEndsAt } from '../session/session-meta.js';
import { SessionService, type SessionInfo } from '../session/session.service.js';
import { SESSION_HANDLE_PATTERN } from '../session/session-id.js';
import type { AuthUser } from './auth-user.js';
import { PasswordPolicyError } from './auth.exceptions.js';
import { AuthService } from './auth.service.js';
import { AuthenticatedGuard } from './authenticated.guard.js';
import { ChangePasswordDto } from './change-password.dto.js';
import { CurrentUser } from './current-user.decorator.js';
import { LoginSessionService } from './login-session.service.js';
import { throttleStep } from './throttle-step.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginGuard } from './login.guard.js';
import { LoginDto } from './login.dto.js';

type PublicSession = Omit<SessionInfo, 'idleExpiresAt' | 'absoluteExpiresAt'>;

/** Login, logout, the current user and their own sessions (see the README's HTTP API). */
@Controller() // mounted at routes.auth (default /auth): src/routes/route-controllers.ts
@UsePipes(createAuthConsentValidationPipe())
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly loginSessions: LoginSessionService,
    private readonly throttle: LoginThrottleService,
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
  ) {}

  /** 200 with the user and a new session cookie; 401 (one body for every failure); 429 with Retry-After. */
  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginGuard)
  login(@Body() _body: LoginDto, @CurrentUser() user: AuthUser): { user: AuthUser } {
    return { user };
  }

  /** 204; destroys the session in the store (and its index entry), expires the cookie and runs the sign-out hook. */
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    const session = req.session;
    if (session && this.sessions.currentHandle(req) !== undefined) {
      // express-session's destroy: the store deletes the session and its index entry.
      await new Promise<void>((resolve, reject) => session.destroy((err: unknown) => (err ? reject(new SessionStoreUnavailableException()) : resolve())));
    }
    const s = this.options.session;
    res.clearCookie(s.cookieName, { path: '/', httpOnly: true, secure: s.cookieSecure, sameSite: 'lax' });
    res.setHeader('Cache-Control', 'no-store');
    // The same sign-out hook as Passport's req.logOut: no visitor grant outlives the session (consent model).
    await this.loginSessions.signedOut(req);
  }

  /** 200 with the user and the current session's times. */
  @Get('me')
  @UseGuards(AuthenticatedGuard)
  me(@Req() req: Request, @CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response) {
    res.setHeader('Cache-Control', 'no-store');
    const meta = req.session?.authConsent;
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      user,
      session: {
        createdAt: iso(meta?.createdAt),
        lastSeenAt: iso(meta?.lastSeenAt),
        idleExpiresAt: meta ? iso(sessionEndsAt(meta, this.options.session)) : null,
        absoluteExpiresAt: iso(meta?.absoluteExpiresAt),
        remember: meta?.remember ?? false,
      },
    };
  }

  /** 200, the caller's live sessions; `handle` is opaque and never the session ID. */
  @Get('sessions')
  @UseGuards(AuthenticatedGuard)
  async list(@Req() req: Request, @CurrentUser() user: AuthUser, @Res({ passthrough: true }) res: Response): Promise<PublicSession[]> {
    res.setHeader('Cache-Control', 'no-store');
    const sessions = await this.sessions.listForUser(user.id, req);
    return sessions.map(({ handle, createdAt, lastSeenAt, ip, userAgent, remember, current }) => ({ handle, createdAt, lastSeenAt, ip, userAgent, remember, current }));
  }

  /** 204; only the caller's own sessions, 404 otherwise. */
  @Delete('sessions/:handle')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  async revokeOne(@Param('handle') handle: string, @CurrentUser() user: AuthUser): Promise<void> {
    if (!SESSION_HANDLE_PATTERN.test(handle) || !(await this.sessions.revokeForUser(user.id, handle))) throw new NotFoundException('No such session');
  }

  /** 204; revokes every session of the caller except the current one. */
  @Delete('sessions')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  async revokeOthers(@Req() req: Request, @CurrentUser() user: AuthUser): Promise<void> {
    await this.sessions.revokeAllForUser(user.id, { except: this.sessions.currentHandle(req) });
  }

  /** 204; needs the current password; revokes all other sessions and re-issues this one's ID. */
  @Post('password')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  async changePassword(@Body() body: ChangePasswordDto, @Req() req: Request, @Res({ passthrough: true }) res: Response, @CurrentUser() user: AuthUser): Promise<void> {
    const ip = req.ip ?? '';
    const slots = await throttleStep(res, () => this.throttle.take(user.username, ip));
    let right: boolean;
    try {
      right = await this.auth.checkPassword(user.id, body.currentPassword);
    } catch (err) {
      await this.throttle.abandoned(slots);
      throw err;
    }
    if (!right) throw new ForbiddenException('Current password is incorrect'); // the slot stays counted
    await throttleStep(res, () => this.throttle.succeeded(slots));
    try {
      await this.auth.setPassword(user.id, body.newPassword, this.sessions.currentHandle(req));
    } catch (err) {
      if (err instanceof PasswordPolicyError) throw new BadRequestException(err.message);
      throw err;
    }
    const meta = req.session?.authConsent;
    if (meta) await this.loginSessions.reissue(req, user, meta);
  }

}
