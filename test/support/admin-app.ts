import type { Response as AgentResponse } from 'superagent';
import { type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { ConsentEventEntity } from '../../src/consent/consent-event.entity.js';
import { AuthConsentExceptionFilter, AuthConsentModule, AuthService, type AuthConsentModuleExtras, type AuthConsentModuleOptions, type AuthUser, createAuthConsentValidationPipe } from '../../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../../src/auth-consent.constants.js';
import { ConsentEventCategoryIndexer } from '../../src/consent/consent-event-category.indexer.js';

/** The two users these specs sign in as, for real (users table, argon2, session cookie). Ids are filled in at boot. */
export const ADMIN: AuthUser = { id: '', username: 'root', roles: ['admin'] };
export const NOT_ADMIN: AuthUser = { id: '', username: 'jo', roles: ['user'] };
const PASSWORD = 'admin spec password 0123';
const cookies = new Map<string, string>();

/** The session cookie header of a signed-in user (from the last boot: the apps of a spec share Redis and the database). */
export function as(user: AuthUser): [string, string] {
  const cookie = cookies.get(user.username);
  if (!cookie) throw new Error(`${user.username} is not signed in: boot the app with bootAdminApp first`);
  return ['Cookie', cookie];
}

async function signIn(app: INestApplication, user: AuthUser): Promise<void> {
  const auth = app.get(AuthService);
  const existing = await auth.findByUsername(user.username);
  user.id = existing?.id ?? (await auth.createUser(user.username, PASSWORD, user.roles)).id;
  const res = await request(app.getHttpServer()).post('/auth/login').send({ username: user.username, password: PASSWORD });
  if (res.status !== 200) throw new Error(`login of ${user.username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const line = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => /^(__Host-)?sid=/.test(c));
  cookies.set(user.username, line!.split(';')[0]);
}

/** Boots AuthConsentModule as an app would (uniform errors, validation pipe) and signs ADMIN, NOT_ADMIN and `extraUsers` in. */
export async function bootAdminApp(options: AuthConsentModuleOptions & AuthConsentModuleExtras, extraUsers: AuthUser[] = []): Promise<INestApplication> {
  @Module({
    imports: [AuthConsentModule.forRoot({ ...options, auth: { ...options.auth, argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 } } })],
    providers: [
      { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
      { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
    ],
  })
  class AdminTestAppModule {}

  const ref = await Test.createTestingModule({ imports: [AdminTestAppModule] }).compile();
  const app = ref.createNestApplication({ logger: ['error'] });
  await app.init();
  for (const user of [ADMIN, NOT_ADMIN, ...extraUsers]) await signIn(app, user);
  return app;
}

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
