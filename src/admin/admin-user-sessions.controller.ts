import { Controller, Delete, Get, Header, HttpCode, Param, Req, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors, ERR } from '../common/openapi.js';
import { AdminSessionResponse } from './admin.openapi.js';
import type { AuthUser } from '../auth/auth-user.js';
import { SessionService } from '../session/session.service.js';
import { AdminAuditService } from './admin-audit.service.js';
import { parseAdminUserId } from './admin-session.params.js';
import { type AdminSessionView, toAdminSessionView } from './admin-session.view.js';
import { AdminGuard } from './admin.guard.js';

/**
 * A user's sessions for administrators, mounted at `<adminPath>/users` (default `/admin/users`). The audit
 * entry is written before the action, so no listing or revocation happens without one.
 */
@ApiTags('admin')
@ApiCookieAuth()
@ApiErrors({ 400: 'a malformed user ID', 401: ERR.signedOut, 403: ERR.notAdmin, 503: ERR.storeDown })
@ApiParam({ name: 'userId', type: String })
@UseGuards(AdminGuard)
@Controller('users')
export class AdminUserSessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AdminAuditService,
  ) {}

  /** 200, the user's live sessions, most recently active first (an unknown user has none). */
  @Get(':userId/sessions')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "A user's live sessions, most recently active first (audit: sessions.read)" })
  @ApiOkResponse({ type: AdminSessionResponse, isArray: true })
  async list(@Param('userId') rawUserId: string, @Req() req: Request): Promise<AdminSessionView[]> {
    const userId = parseAdminUserId(rawUserId);
    await this.audit.record(req.user as AuthUser, 'sessions.read', { type: 'user', id: userId });
    const sessions = await this.sessions.listForUser(userId, req);
    return sessions.map((s) => toAdminSessionView(userId, s));
  }

  /** 204; revokes every session of the user (the admin's own too, when the admin names themselves). */
  @Delete(':userId/sessions')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke every session of the user (audit: sessions.revoke-all)' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  async revokeAll(@Param('userId') rawUserId: string, @Req() req: Request): Promise<void> {
    const userId = parseAdminUserId(rawUserId);
    await this.audit.record(req.user as AuthUser, 'sessions.revoke-all', { type: 'user', id: userId });
    await this.sessions.revokeAllForUser(userId);
  }
}
