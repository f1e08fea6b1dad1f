import { randomUUID } from 'node:crypto';
import { ConsentAuditService } from './consent-audit.service.js';
import type { ConsentPolicy } from './consent.policy.js';
import { ConsentRecordEntity } from './consent-record.entity.js';
import type { ConsentSnapshot } from './consent-subject.js';
import { resolveWrite, snapshotOfRecord, type ConsentWriteRequest } from './consent-write-plan.js';
import { ConsentWriter } from './consent.writer.js';

/**
 * The portable writer (MariaDB/MySQL, SQLite): one TypeORM transaction holding the subject's head row lock
 * (SQLite: its single connection) around the record, the event and its category rows.
 */
export class TypeOrmConsentWriter extends ConsentWriter {
  constructor(
    private readonly audit: ConsentAuditService,
    private readonly policy: ConsentPolicy,
  ) {
    super();
  }

  write({ subject, context, plan, linkVisitorId }: ConsentWriteRequest): Promise<ConsentSnapshot | null> {
    return this.audit.transact(subject, async (tx) => {
      const current = snapshotOfRecord(tx.record);
      const now = tx.now.getTime();
      const p = plan(current, now);
      if (!p) return current;
      const w = resolveWrite(this.policy, subject, current, p, now);
      await tx.append({ ...w.event, context });
      if (linkVisitorId !== undefined)
        await tx.em.update(
          ConsentRecordEntity,
          { subjectType: 'visitor', subjectId: linkVisitorId },
          { linkedUserId: subject.id },
        );
      if (!w.record) return w.snapshot;
      const fields = {
        policyVersion: w.event.policyVersion,
        policyHash: w.event.policyHash,
        decisions: w.record.decisions,
        source: w.record.source,
        gpc: w.record.gpc,
        ruleSet: w.record.ruleSet,
        textHash: w.record.textHash,
        decidedAt: new Date(w.record.decidedAt),
        expiresAt: new Date(w.record.expiresAt),
      };
      if (tx.record) {
        await tx.em.update(ConsentRecordEntity, { id: tx.record.id }, { ...fields, version: tx.record.version + 1 });
      } else {
        await tx.em.insert(ConsentRecordEntity, {
          id: randomUUID(),
          subjectType: subject.type,
          subjectId: subject.id,
          linkedUserId: null,
          version: 1,
          ...fields,
        });
      }
      return w.snapshot;
    });
  }

  forget(): void {
    // Keeps nothing in memory: every write reads the locked head and record.
  }
}
