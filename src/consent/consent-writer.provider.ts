import type { Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../auth-consent.constants.js';
import { Clock } from '../common/clock.js';
import { ConsentAuditService } from './consent-audit.service.js';
import { ConsentPolicy } from './consent.policy.js';
import { PostgresConsentWriter } from './postgres-consent.writer.js';
import { TypeOrmConsentWriter } from './typeorm-consent.writer.js';
import { ConsentWriter } from './consent.writer.js';

/** The one place the database decides how decisions are written: lean SQL on PostgreSQL, TypeORM elsewhere. */
export const consentWriterProvider: Provider = {
  provide: ConsentWriter,
  inject: [AUTH_CONSENT_DATA_SOURCE, ConsentAuditService, ConsentPolicy, Clock],
  useFactory: (ds: DataSource, audit: ConsentAuditService, policy: ConsentPolicy, clock: Clock): ConsentWriter =>
    ds.options.type === 'postgres'
      ? new PostgresConsentWriter(ds, audit, policy, clock)
      : new TypeOrmConsentWriter(audit, policy),
};
