import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import { AdminAuditEntity } from './admin-audit.entity.js';
import { AdminCursorCodec } from './admin-cursor.codec.js';
import { withDatabase } from './admin-database.js';
import type { AdminAuditQuery, AdminPage } from './admin-query.types.js';

/** Who acted: the signed-in admin (an {@link AuthUser} fits). */
export interface AdminActor {
  id: string;
  username: string;
}

/** What was acted on, e.g. `{type: 'user', id}`, `{type: 'session', id: handle}`, `{type: 'consent-events'}`. */
export interface AdminAuditTarget {
  type: string;
  id?: string | null;
}

/** One entry of `GET /admin/audit`. */
export interface AdminAuditView {
  id: string;
  at: string;
  actor: AdminActor;
  action: string;
  target: { type: string; id: string | null };
  details: Record<string, unknown> | null;
}

/**
 * The admin audit log: every admin action that reads a subject's history or changes something is recorded
 * here (who, what, target, when) before the action's result is returned. Append-only.
 */
@Injectable()
export class AdminAuditService {
  private readonly logger = new Logger(AdminAuditService.name);

  constructor(
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly cursors: AdminCursorCodec,
  ) {}

  /**
   * Records an admin action, e.g. `record(req.user, 'session.revoke', {type: 'session', id: handle})`.
   * Pass `manager` to write it in the caller's transaction. A database failure is a 503.
   */
  async record(
    actor: AdminActor,
    action: string,
    target: AdminAuditTarget,
    details?: Record<string, unknown>,
    manager?: EntityManager,
  ): Promise<void> {
    const entry = Object.assign(new AdminAuditEntity(), {
      actorId: String(actor.id).slice(0, 36),
      actorUsername: String(actor.username ?? '').slice(0, 254),
      action: action.slice(0, 64),
      targetType: target.type.slice(0, 32),
      targetId: target.id == null ? null : String(target.id).slice(0, 128),
      details: details ?? null,
      createdAt: new Date(this.clock.now()),
    });
    await withDatabase(this.logger, 'Writing the admin audit log', async () => {
      await (manager ?? this.dataSource.manager)
        .getRepository(AdminAuditEntity)
        .insert(entry as Parameters<Repository<AdminAuditEntity>['insert']>[0]);
    });
  }

  /** Newest first, keyset-paginated like the consent event list. */
  async list(query: AdminAuditQuery): Promise<AdminPage<AdminAuditView>> {
    const scope = JSON.stringify([
      'audit',
      query.actorId,
      query.action,
      query.targetType,
      query.targetId,
      query.from?.getTime(),
      query.to?.getTime(),
    ]);
    const after = query.cursor === undefined ? undefined : this.cursors.decode(query.cursor, scope);
    return withDatabase(this.logger, 'Reading the admin audit log', async () => {
      const qb = this.dataSource.getRepository(AdminAuditEntity).createQueryBuilder('a');
      if (query.actorId !== undefined) qb.andWhere('a.actorId = :actorId', { actorId: query.actorId });
      if (query.action !== undefined) qb.andWhere('a.action = :action', { action: query.action });
      if (query.targetType !== undefined) qb.andWhere('a.targetType = :targetType', { targetType: query.targetType });
      if (query.targetId !== undefined) qb.andWhere('a.targetId = :targetId', { targetId: query.targetId });
      if (query.from) qb.andWhere('a.createdAt >= :from', { from: query.from });
      if (query.to) qb.andWhere('a.createdAt < :to', { to: query.to });
      if (after) {
        // The first conjunct gives the index a range; the second breaks ties on the same millisecond.
        qb.andWhere('a.createdAt <= :afterT AND (a.createdAt < :afterT OR a.id < :afterId)', {
          afterT: after.createdAt,
          afterId: after.id,
        });
      }
      const rows = await qb
        .orderBy('a.createdAt', 'DESC')
        .addOrderBy('a.id', 'DESC')
        .limit(query.limit + 1)
        .getMany();
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => ({
          id: String(r.id),
          at: r.createdAt.toISOString(),
          actor: { id: r.actorId, username: r.actorUsername },
          action: r.action,
          target: { type: r.targetType, id: r.targetId },
          details: r.details,
        })),
        nextCursor:
          rows.length > query.limit
            ? this.cursors.encode({ createdAt: last.createdAt, id: String(last.id) }, scope)
            : null,
      };
    });
  }
}
