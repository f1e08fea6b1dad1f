import { Controller, Get, Header, Query, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ERR } from '../common/openapi.js';
import { AdminAuditQueryPipe } from './admin-audit-query.pipe.js';
import { AdminAuditPageResponse, ApiQueries } from './admin.openapi.js';
import { AdminAuditService, type AdminAuditView } from './admin-audit.service.js';
import type { AdminAuditQuery, AdminPage } from './admin-query.types.js';
import { AdminGuard } from './admin.guard.js';

/** `GET <adminPath>/audit` (default `/admin/audit`): the admin audit log, newest first, keyset-paginated. */
@ApiTags('admin')
@ApiCookieAuth()
@ApiErrors({ 401: ERR.signedOut, 403: ERR.notAdmin, 503: ERR.storeDown })
@UseGuards(AdminGuard)
@Controller('audit')
export class AdminAuditController {
  constructor(private readonly audit: AdminAuditService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The admin audit log, newest first, keyset-paged' })
  @ApiQueries('actorId', 'auditAction', 'targetType', 'targetId', 'from', 'to', 'limit', 'cursor')
  @ApiOkResponse({ type: AdminAuditPageResponse })
  @ApiErrors({ 400: ERR.badQuery })
  list(@Query(AdminAuditQueryPipe) query: AdminAuditQuery): Promise<AdminPage<AdminAuditView>> {
    return this.audit.list(query);
  }
}
