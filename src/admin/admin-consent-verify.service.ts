import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { DataSource, ObjectLiteral } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentAuditService } from '../consent/consent-audit.service.js';
import type { ChainVerdict } from '../consent/consent-chain.check.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { ConsentHeadEntity } from '../consent/consent-head.entity.js';
import { ConsentRecordEntity } from '../consent/consent-record.entity.js';
import type { ConsentSubject } from '../consent/consent-subject.js';
import { ConsentService } from '../consent/consent.service.js';
import { withDatabase } from './admin-database.js';

/** `GET /admin/consent/verify` for one subject. */
export interface ConsentSubjectVerifyView {
  ok: boolean;
  /** Events whose hash was recomputed. */
  checked: number;
  /** First broken seq, when not ok. */
  brokenAt?: number;
  reason?: string;
}

/** One line of the all-subjects NDJSON stream (docs/administration.md). */
export type ConsentVerifyLine =
  | { checked: number; subjects: number; total?: number }
  | { chain: { subjectType: string; subjectId: string; ok: false; brokenAt?: number; reason?: string } }
  | { categories: { ok: false; strayRows: number; firstEventId: string | null } }
  | { done: true; ok: boolean; subjects: number; checked: number; broken: number };

/** An every-subject walk opened by {@link AdminConsentVerifyService.firstBatch}: its first batch is already read. */
export interface ConsentVerifyWalk {
  /** Chains to expect (heads past seq 0): progress lines carry it as `total`. */
  total: number;
  batches: AsyncGenerator<ChainVerdict[]>;
  first: IteratorResult<ChainVerdict[]>;
}

/** A progress line every this many subjects (and after the last). */
const PROGRESS_EVERY = 100;

/**
 * Verifies consent audit chains for administrators: one subject through {@link ConsentService.verify}, or
 * every subject through {@link ConsentAuditService.verifyAll} (a keyset walk over the events, a few queries per
 * few thousand events) so the answer can stream a running count.
 */
@Injectable()
export class AdminConsentVerifyService {
  private readonly logger = new Logger(AdminConsentVerifyService.name);

  constructor(
    private readonly consent: ConsentService,
    private readonly audit: ConsentAuditService,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  /** One subject's chain; 404 when the subject has no chain at all (no event, no head, no record). */
  async verifyOne(subject: ConsentSubject): Promise<ConsentSubjectVerifyView> {
    const where = { subjectType: subject.type, subjectId: subject.id };
    const known = await withDatabase(this.logger, 'Looking up a consent subject', async () => {
      for (const entity of [ConsentHeadEntity, ConsentEventEntity, ConsentRecordEntity]) {
        if (await this.ds.getRepository<ObjectLiteral>(entity).exists({ where })) return true;
      }
      return false;
    });
    if (!known) throw new NotFoundException(`No consent history is recorded for ${subject.type} '${subject.id}'.`);
    const report = await this.consent.verify(subject);
    return {
      ok: report.ok,
      checked: report.checked,
      ...(report.ok ? {} : { brokenAt: report.brokenAt, reason: report.reason }),
    };
  }

  /**
   * Opens the walk over every subject and reads its first batch before any byte is sent, so that a database
   * failure is still a 503. Pass it to {@link lines}.
   */
  firstBatch(): Promise<ConsentVerifyWalk> {
    return withDatabase(this.logger, 'Listing consent subjects', async () => {
      const total = await this.audit.countChains();
      const batches = this.audit.verifyAll();
      return { total, batches, first: await batches.next() };
    });
  }

  /**
   * Every chain (see {@link ConsentAuditService.verifyAll}), then the category side-table rows that belong to
   * no event. Yields progress (`total` is the number of chains counted at the start), each broken chain, stray
   * side-table rows, and a final summary.
   */
  async *lines(walk: ConsentVerifyWalk, stopped: () => boolean): AsyncGenerator<ConsentVerifyLine> {
    const total = { subjects: 0, checked: 0, broken: 0 };
    const progress = () => ({
      checked: total.checked,
      subjects: total.subjects,
      total: Math.max(walk.total, total.subjects),
    });
    try {
      for (let step = walk.first; !step.done; step = await walk.batches.next()) {
        if (stopped()) return;
        for (const verdict of step.value) {
          total.subjects++;
          total.checked += verdict.checked;
          if (verdict.failure) {
            total.broken++;
            const s = verdict.subject;
            yield {
              chain: {
                subjectType: s.subjectType,
                subjectId: s.subjectId,
                ok: false,
                brokenAt: verdict.failure.seq,
                reason: verdict.failure.reason,
              },
            };
          }
          if (total.subjects % PROGRESS_EVERY === 0) yield progress();
        }
      }
    } finally {
      // Ends the walk when the client leaves mid-stream.
      await walk.batches.return(undefined);
    }
    if (stopped()) return;
    const strays = await this.audit.strayCategoryRows();
    if (strays.count > 0)
      yield { categories: { ok: false, strayRows: strays.count, firstEventId: strays.firstEventId } };
    yield progress();
    yield { done: true, ok: total.broken === 0 && strays.count === 0, ...total };
  }
}
