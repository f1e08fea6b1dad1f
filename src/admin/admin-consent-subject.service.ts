import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { ConsentRecordEntity } from '../consent/consent-record.entity.js';
import { withDatabase } from './admin-database.js';
import type { ConsentSubjectType } from './admin-query.types.js';

/** `GET /admin/consent/subjects/:subjectType/:subjectId`: a subject's current record and a summary of its history. */
export interface ConsentSubjectView {
  subjectType: ConsentSubjectType;
  subjectId: string;
  /** Null when the subject has history but no current record (e.g. erased). */
  record: {
    id: string;
    policyVersion: string;
    policyHash: string;
    decisions: Record<string, boolean>;
    source: string;
    gpc: boolean;
    decidedAt: string;
    expiresAt: string;
    /** `expiresAt` has passed: the subject will be asked again. */
    expired: boolean;
    linkedUserId: string | null;
    version: number;
  } | null;
  history: { events: number; firstEventAt: string | null; lastEventAt: string | null; lastAction: string | null };
  /** For a user: the visitor records linked to the user at login (at most 100, newest first). */
  linkedVisitors?: string[];
}

const MAX_LINKED_VISITORS = 100;

/** A subject's current consent state for administrators; every query is one index lookup. */
@Injectable()
export class AdminConsentSubjectService {
  private readonly logger = new Logger(AdminConsentSubjectService.name);

  constructor(
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** 404 when the subject has neither a record nor an event. */
  async get(subjectType: ConsentSubjectType, subjectId: string): Promise<ConsentSubjectView> {
    const view = await withDatabase(this.logger, 'Reading a consent subject', async () => {
      const subject = { subjectType, subjectId };
      const events = this.dataSource.getRepository(ConsentEventEntity);
      // seq runs 1..n per subject, so the first and last events are the two ends of the (subject, seq) index.
      const [record, last, first] = await Promise.all([
        this.dataSource.getRepository(ConsentRecordEntity).findOne({ where: subject }),
        events.findOne({
          where: subject,
          order: { seq: 'DESC' },
          select: { seq: true, action: true, createdAt: true },
        }),
        events.findOne({ where: subject, order: { seq: 'ASC' }, select: { seq: true, createdAt: true } }),
      ]);
      if (!record && !last) return undefined;
      const result: ConsentSubjectView = {
        subjectType,
        subjectId,
        record: record
          ? {
              id: record.id,
              policyVersion: record.policyVersion,
              policyHash: record.policyHash,
              decisions: record.decisions,
              source: record.source,
              gpc: Boolean(record.gpc),
              decidedAt: record.decidedAt.toISOString(),
              expiresAt: record.expiresAt.toISOString(),
              expired: record.expiresAt.getTime() <= this.clock.now(),
              linkedUserId: record.linkedUserId,
              version: record.version,
            }
          : null,
        history: {
          events: last?.seq ?? 0,
          firstEventAt: first?.createdAt.toISOString() ?? null,
          lastEventAt: last?.createdAt.toISOString() ?? null,
          lastAction: last?.action ?? null,
        },
      };
      if (subjectType === 'user') {
        const linked = await this.dataSource.getRepository(ConsentRecordEntity).find({
          where: { linkedUserId: subjectId, subjectType: 'visitor' },
          select: { subjectId: true, decidedAt: true },
          order: { decidedAt: 'DESC' },
          take: MAX_LINKED_VISITORS,
        });
        result.linkedVisitors = linked.map((r) => r.subjectId);
      }
      return result;
    });
    if (!view) throw new NotFoundException(`No consent is recorded for ${subjectType} '${subjectId}'.`);
    return view;
  }
}
