import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
  UsePipes,
  BadRequestException,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, ERR, ErrorResponse } from '../common/openapi.js';
import { LoginResponse, MeResponse, OwnSessionResponse } from './auth.openapi.js';
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

/** Login, logout, the current user and their own sessions (docs/http-api.md). */
@ApiTags('auth')
@ApiErrors({ 503: ERR.storeDown })
@Controller() // mounted at its group's path by RouterModule (src/auth-consent.features.ts)
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
  @ApiOperation({ summary: 'Sign in: a new session cookie' })
  @ApiOkResponse({ type: LoginResponse, description: 'Signed in; Set-Cookie carries a new session ID.' })
  @ApiErrors({
    400: 'a malformed body',
    401: 'Invalid username or password (also for an unknown user and a disabled account)',
    403: ERR.crossSite,
    409: 'auth.maxSessionsPerUser reached with the refuse policy',
    429: 'throttled: Retry-After says when to try again',
  })
  login(@Body() _body: LoginDto, @CurrentUser() user: AuthUser): { user: AuthUser } {
    return { user };
  }

  /** 204; destroys the session in the store (and its index entry), expires the cookie and runs the sign-out hook. */
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: the session is deleted and the cookie expired' })
  @ApiNoContentResponse({ description: 'Signed out (also when no one was signed in).' })
  @ApiErrors({ 403: ERR.crossSite })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (isSessionUnavailable(req)) throw new SessionStoreUnavailableException();
    const session = req.session;
    if (session && this.sessions.currentHandle(req) !== undefined) {
      // express-session's destroy: the store deletes the session and its index entry.
      await new Promise<void>((resolve, reject) =>
        session.destroy((err: unknown) => (err ? reject(new SessionStoreUnavailableException()) : resolve())),
      );
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
  @ApiCookieAuth()
  @ApiOperation({ summary: 'The signed-in user and the times of this session' })
  @ApiOkResponse({ type: MeResponse })
  @ApiErrors({ 401: ERR.signedOut })
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
  @ApiCookieAuth()
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: OwnSessionResponse, isArray: true })
  @ApiErrors({ 401: ERR.signedOut })
  async list(
    @Req() req: Request,
    @CurrentUser() user: AuthUser,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PublicSession[]> {
    res.setHeader('Cache-Control', 'no-store');
    const sessions = await this.sessions.listForUser(user.id, req);
    return sessions.map(({ handle, createdAt, lastSeenAt, ip, userAgent, remember, current }) => ({
      handle,
      createdAt,
      lastSeenAt,
      ip,
      userAgent,
      remember,
      current,
    }));
  }

  /** 204; only the caller's own sessions, 404 otherwise. */
  @Delete('sessions/:handle')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  @ApiCookieAuth()
  @ApiOperation({ summary: "Revoke one of the caller's own sessions" })
  @ApiParam({ name: 'handle', type: String, description: 'A handle from GET sessions' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors({ 401: ERR.signedOut, 403: ERR.crossSite, 404: 'no session of the caller has this handle' })
  async revokeOne(@Param('handle') handle: string, @CurrentUser() user: AuthUser): Promise<void> {
    if (!SESSION_HANDLE_PATTERN.test(handle) || !(await this.sessions.revokeForUser(user.id, handle)))
      throw new NotFoundException('No such session');
  }

  /** 204; revokes every session of the caller except the current one. */
  @Delete('sessions')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Revoke every other session of the caller' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors({ 401: ERR.signedOut, 403: ERR.crossSite })
  async revokeOthers(@Req() req: Request, @CurrentUser() user: AuthUser): Promise<void> {
    await this.sessions.revokeAllForUser(user.id, { except: this.sessions.currentHandle(req) });
  }

  /** 204; needs the current password; revokes all other sessions and re-issues this one's ID. */
  @Post('password')
  @HttpCode(204)
  @UseGuards(AuthenticatedGuard)
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Change the password: every other session is revoked and this one gets a new ID' })
  @ApiNoContentResponse({ description: 'Changed; Set-Cookie carries the new session ID.' })
  @ApiBadRequestResponse({
    description: 'a malformed body, or a new password outside the length policy',
    type: ErrorResponse,
  })
  @ApiErrors({
    401: ERR.signedOut,
    403: 'the current password is wrong, or a cross-site request',
    429: 'throttled: Retry-After says when to try again',
  })
  async changePassword(
    @Body() body: ChangePasswordDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @CurrentUser() user: AuthUser,
  ): Promise<void> {
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
