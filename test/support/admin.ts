import type { Response as AgentResponse } from 'superagent';
import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ConsentEventEntity } from '../../src/consent/consent-event.entity.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../../src/auth-consent.constants.js';
import { ConsentEventCategoryIndexer } from '../../src/consent/consent-event-category.indexer.js';

export interface EventSpec {
  subjectType?: 'user' | 'visitor';
  subjectId: string;
  action?: string;
  source?: string;
  before?: Record<string, boolean> | null;
  after: Record<string, boolean>;
  at: Date;
  userAgent?: string | null;
}

const seqs = new WeakMap<DataSource, Map<string, number>>();

/**
 * Inserts events through the entity repository and indexes them by category in the same transaction,
 * as the consent writer does. Hashes are placeholders (the chain is not what these specs test).
 */
export async function insertEvents(dataSource: DataSource, specs: EventSpec[]): Promise<ConsentEventEntity[]> {
  const bySubject = seqs.get(dataSource) ?? new Map<string, number>();
  seqs.set(dataSource, bySubject);
  return dataSource.transaction(async (manager) => {
    const saved: ConsentEventEntity[] = [];
    for (const s of specs) {
      const key = `${s.subjectType ?? 'visitor'}:${s.subjectId}`;
      const seq = (bySubject.get(key) ?? 0) + 1;
      bySubject.set(key, seq);
      const event = Object.assign(new ConsentEventEntity(), {
        subjectType: s.subjectType ?? 'visitor',
        subjectId: s.subjectId,
        seq,
        action: s.action ?? 'update',
        decisionsBefore: s.before ?? null,
        decisionsAfter: s.after,
        policyVersion: '1',
        policyHash: 'p'.repeat(64),
        source: s.source ?? 'banner',
        locale: null,
        ip: '203.0.113.0',
        userAgent: s.userAgent ?? 'jest',
        createdAt: s.at,
        prevHash: null,
        hash: createHash('sha256').update(`${key}:${seq}`).digest('hex'),
      });
      saved.push(await manager.getRepository(ConsentEventEntity).save(event));
    }
    await new ConsentEventCategoryIndexer(dataSource).index(manager, saved);
    return saved;
  });
}

export function dataSourceOf(app: INestApplication): DataSource {
  return app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
}

/** A minimal RFC 4180 parser (quoted cells, doubled quotes, CRLF) to check what the export writes. */
/** A supertest parser that keeps a streamed body (CSV, NDJSON) as one string: `.buffer(true).parse(asText)`. */
export function asText(res: AgentResponse, done: (err: Error | null, body: unknown) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
}

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}
