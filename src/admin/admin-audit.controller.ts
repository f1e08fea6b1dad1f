import { Get, Header, Query, UseGuards } from '@nestjs/common';
import { AdminAuditQueryPipe } from './admin-audit-query.pipe.js';
import { AdminAuditService, type AdminAuditView } from './admin-audit.service.js';
import type { AdminAuditQuery, AdminPage } from './admin-query.types.js';
import { AdminGuard } from './admin.guard.js';

/** `GET <adminPath>/audit` (default `/admin/audit`): the admin audit log, newest first, keyset-paginated. */
@UseGuards(AdminGuard)
export class AdminAuditController {
  constructor(private readonly audit: AdminAuditService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  list(@Query(AdminAuditQueryPipe) query: AdminAuditQuery): Promise<AdminPage<AdminAuditView>> {
    return this.audit.list(query);
  }
}
