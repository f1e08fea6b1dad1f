import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { ConsentEventEntity } from '../consent/consent-event.entity.js';
import { ConsentHeadEntity } from '../consent/consent-head.entity.js';
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

/** One line of the all-subjects NDJSON stream (see the README, "Administration"). */
export type ConsentVerifyLine =
  | { checked: number; subjects: number }
  | { chain: { subjectType: string; subjectId: string; ok: false; brokenAt?: number; reason?: string } }
  | { done: true; ok: boolean; subjects: number; checked: number; broken: number };

type SubjectKey = { subjectType: string; subjectId: string };

/** Subjects per query while walking every chain: bounds memory whatever the number of subjects. */
const BATCH = 500;
/** Chains verified at once: overlaps the round trips of a few subjects while leaving the pool to other requests. */
const CONCURRENCY = 4;
/** A progress line every this many subjects. */
const PROGRESS_EVERY = 100;

/**
 * Verifies consent audit chains for administrators through {@link ConsentService.verify}: one subject, or
 * every subject one by one (keyset over subjects) so the answer can stream a running count.
 */
@Injectable()
export class AdminConsentVerifyService {
  private readonly logger = new Logger(AdminConsentVerifyService.name);

  constructor(
    private readonly consent: ConsentService,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly ds: DataSource,
  ) {}

  /** One subject's chain; 404 when the subject has no chain at all (no event, no head). */
  async verifyOne(subject: ConsentSubject): Promise<ConsentSubjectVerifyView> {
    const where = { subjectType: subject.type, subjectId: subject.id };
    const known = await withDatabase(this.logger, 'Looking up a consent subject', async () => {
      return (await this.ds.getRepository(ConsentHeadEntity).exists({ where })) || (await this.ds.getRepository(ConsentEventEntity).exists({ where }));
    });
    if (!known) throw new NotFoundException(`No consent history is recorded for ${subject.type} '${subject.id}'.`);
    const report = await this.consent.verify(subject);
    return { ok: report.ok, checked: report.checked, ...(report.ok ? {} : { brokenAt: report.brokenAt, reason: report.reason }) };
  }

  /**
   * The first batch of subjects, read before any byte is sent so that a database failure is still a 503.
   * Pass it to {@link lines}.
   */
  firstBatch(): Promise<SubjectKey[]> {
    return withDatabase(this.logger, 'Listing consent subjects', () => this.subjectsWithEvents());
  }

  /**
   * Every chain: subjects that have events (keyset by subject), then heads that claim events none of which
   * is left (a chain truncated to nothing). Yields progress, each broken chain, and a final summary.
   */
  async *lines(first: SubjectKey[], stopped: () => boolean): AsyncGenerator<ConsentVerifyLine> {
    const total = { subjects: 0, checked: 0, broken: 0 };
    const verify = (s: SubjectKey) => this.consent.verify({ type: s.subjectType as ConsentSubject['type'], id: s.subjectId });

    const passes: Array<{ first?: SubjectKey[]; next: (after?: SubjectKey) => Promise<SubjectKey[]> }> = [
      { first, next: (after) => this.subjectsWithEvents(after) },
      { next: (after) => this.headsWithoutEvents(after) },
    ];
    for (const pass of passes) {
      let batch = pass.first ?? (await pass.next());
      while (batch.length > 0) {
        for (let i = 0; i < batch.length; i += CONCURRENCY) {
          if (stopped()) return;
          const window = batch.slice(i, i + CONCURRENCY);
          const reports = await Promise.all(window.map(verify));
          for (const [j, report] of reports.entries()) {
            total.subjects++;
            total.checked += report.checked;
            if (!report.ok) {
              total.broken++;
              const s = window[j];
              yield { chain: { subjectType: s.subjectType, subjectId: s.subjectId, ok: false, brokenAt: report.brokenAt, reason: report.reason } };
            }
            if (total.subjects % PROGRESS_EVERY === 0) yield { checked: total.checked, subjects: total.subjects };
          }
        }
        batch = batch.length < BATCH ? [] : await pass.next(batch[batch.length - 1]);
      }
    }
    yield { checked: total.checked, subjects: total.subjects };
    yield { done: true, ok: total.broken === 0, ...total };
  }

  private keyset(alias: string, after?: SubjectKey): [string, Record<string, string>] {
    if (!after) return ['1 = 1', {}];
    return [`(${alias}.subject_type > :afterType OR (${alias}.subject_type = :afterType AND ${alias}.subject_id > :afterId))`, { afterType: after.subjectType, afterId: after.subjectId }];
  }

  private subjectsWithEvents(after?: SubjectKey): Promise<SubjectKey[]> {
    const [cond, params] = this.keyset('e', after);
    return this.ds
      .getRepository(ConsentEventEntity)
      .createQueryBuilder('e')
      .select('e.subject_type', 'subjectType')
      .addSelect('e.subject_id', 'subjectId')
      .where(cond, params)
      .groupBy('e.subject_type')
      .addGroupBy('e.subject_id')
      .orderBy('e.subject_type', 'ASC')
      .addOrderBy('e.subject_id', 'ASC')
      .limit(BATCH)
      .getRawMany<SubjectKey>();
  }

  private headsWithoutEvents(after?: SubjectKey): Promise<SubjectKey[]> {
    const [cond, params] = this.keyset('h', after);
    const events = this.ds.getMetadata(ConsentEventEntity).tablePath;
    return this.ds
      .getRepository(ConsentHeadEntity)
      .createQueryBuilder('h')
      .select('h.subject_type', 'subjectType')
      .addSelect('h.subject_id', 'subjectId')
      .where(cond, params)
      .andWhere('h.seq > 0')
      .andWhere(`NOT EXISTS (SELECT 1 FROM ${this.ds.driver.escape(events)} x WHERE x.subject_type = h.subject_type AND x.subject_id = h.subject_id)`)
      .orderBy('h.subject_type', 'ASC')
      .addOrderBy('h.subject_id', 'ASC')
      .limit(BATCH)
      .getRawMany<SubjectKey>();
  }
}
