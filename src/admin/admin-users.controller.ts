import {
  ConflictException,
  Controller,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ERR } from '../common/openapi.js';
import { AdminUserPageResponse, AdminUserResponse, ApiQueries } from './admin.openapi.js';
import type { Request } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { AdminAuditService } from './admin-audit.service.js';
import type { AdminPage } from './admin-query.types.js';
import { parseAdminUserId } from './admin-session.params.js';
import { type AdminUserQuery, AdminUserQueryPipe } from './admin-user-query.pipe.js';
import { AdminUsersService, type AdminUserView } from './admin-users.service.js';
import { AdminGuard } from './admin.guard.js';

/**
 * Users for administrators, mounted at `<adminPath>/users` (default `/admin/users`) beside the user's
 * sessions: the search by username, and disabling or enabling an account (audit-logged before the change).
 */
@ApiTags('admin')
@ApiCookieAuth()
@ApiErrors({ 401: ERR.signedOut, 403: ERR.notAdmin, 503: ERR.storeDown })
@UseGuards(AdminGuard)
@Controller('users')
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly audit: AdminAuditService,
  ) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Users whose username starts with query (case-folded), by username, keyset-paged ({items, nextCursor}); 501 when the UserStore cannot search',
  })
  @ApiQueries('query', 'userLimit', 'cursor')
  @ApiOkResponse({ type: AdminUserPageResponse })
  @ApiErrors({ 400: ERR.badQuery, 501: "the app's UserStore has no searchByUsername" })
  search(@Query(AdminUserQueryPipe) query: AdminUserQuery): Promise<AdminPage<AdminUserView>> {
    return this.users.search(query);
  }

  @Post(':userId/disable')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Disables the account and revokes every session of it (audit: user.disable); 404 unknown user, 409 for oneself',
  })
  @ApiParam({ name: 'userId', type: String })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiErrors({
    400: 'a malformed user ID',
    403: ERR.notAdmin,
    404: 'no such user',
    409: 'an administrator cannot disable their own account',
  })
  async disable(@Param('userId') rawUserId: string, @Req() req: Request): Promise<AdminUserView> {
    const userId = parseAdminUserId(rawUserId);
    const actor = req.user as AuthUser;
    if (userId === actor.id) throw new ConflictException('An administrator cannot disable their own account.');
    const user = await this.users.get(userId);
    await this.audit.record(actor, 'user.disable', { type: 'user', id: userId });
    return this.users.disable(user);
  }

  @Post(':userId/enable')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Enables a disabled account (audit: user.enable); 404 unknown user' })
  @ApiParam({ name: 'userId', type: String })
  @ApiOkResponse({ type: AdminUserResponse })
  @ApiErrors({ 400: 'a malformed user ID', 403: ERR.notAdmin, 404: 'no such user' })
  async enable(@Param('userId') rawUserId: string, @Req() req: Request): Promise<AdminUserView> {
    const userId = parseAdminUserId(rawUserId);
    const user = await this.users.get(userId);
    await this.audit.record(req.user as AuthUser, 'user.enable', { type: 'user', id: userId });
    return this.users.enable(user);
  }
}
