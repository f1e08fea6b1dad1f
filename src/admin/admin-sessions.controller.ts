import { Controller, Delete, HttpCode, NotFoundException, Param, Req, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiNoContentResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors, ERR } from '../common/openapi.js';
import type { AuthUser } from '../auth/auth-user.js';
import { SessionService } from '../session/session.service.js';
import { AdminAuditService } from './admin-audit.service.js';
import { parseSessionHandle } from './admin-session.params.js';
import { AdminGuard } from './admin.guard.js';

/** One session by handle, whatever its user: mounted at `<adminPath>/sessions` (default `/admin/sessions`). */
@ApiTags('admin')
@ApiCookieAuth()
@ApiErrors({ 401: ERR.signedOut, 403: ERR.notAdmin, 503: ERR.storeDown })
@UseGuards(AdminGuard)
@Controller('sessions')
export class AdminSessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AdminAuditService,
  ) {}

  /** 204; 404 when no live session has this handle. The attempt is audit-logged first, found or not. */
  @Delete(':handle')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one session by handle, whatever its user (audit: session.revoke)' })
  @ApiParam({ name: 'handle', type: String, description: 'a session handle (never a session ID)' })
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors({ 400: 'a malformed handle', 404: 'no live session has this handle' })
  async revoke(@Param('handle') rawHandle: string, @Req() req: Request): Promise<void> {
    const handle = parseSessionHandle(rawHandle);
    await this.audit.record(req.user as AuthUser, 'session.revoke', { type: 'session', id: handle });
    if (!(await this.sessions.revoke(handle))) throw new NotFoundException('No such session.');
  }
}
