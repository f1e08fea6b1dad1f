import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { bigIdentity, instant, tableName, varchar } from './portable-columns.js';

/** users, consent_records and consent_events: the schema of the first release. */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'users'),
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('username', 254),
          varchar('password_hash', 255),
          { name: 'roles', type: 'text' },
          { name: 'disabled', type: 'boolean', default: false },
          instant(queryRunner, 'password_changed_at'),
          instant(queryRunner, 'created_at'),
        ],
        indices: [
          new TableIndex({
            name: tableName(queryRunner, 'ux_users_username'),
            columnNames: ['username'],
            isUnique: true,
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'consent_records'),
        columns: [
          { ...varchar('id', 36), isPrimary: true },
          varchar('subject_type', 16),
          varchar('subject_id', 64),
          varchar('policy_version', 64),
          varchar('policy_hash', 64),
          { name: 'decisions', type: 'text' },
          varchar('source', 16),
          { name: 'gpc', type: 'boolean', default: false },
          instant(queryRunner, 'decided_at'),
          instant(queryRunner, 'expires_at'),
          varchar('linked_user_id', 36, true),
          { name: 'version', type: 'integer' },
        ],
        indices: [
          new TableIndex({
            name: tableName(queryRunner, 'ux_consent_records_subject'),
            columnNames: ['subject_type', 'subject_id'],
            isUnique: true,
          }),
          new TableIndex({
            name: tableName(queryRunner, 'ix_consent_records_linked_user'),
            columnNames: ['linked_user_id'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'consent_events'),
        columns: [
          bigIdentity(queryRunner, 'id'),
          varchar('subject_type', 16),
          varchar('subject_id', 64),
          { name: 'seq', type: 'integer' },
          varchar('action', 16),
          { name: 'decisions_before', type: 'text', isNullable: true },
          { name: 'decisions_after', type: 'text' },
          varchar('policy_version', 64),
          varchar('policy_hash', 64),
          varchar('source', 16),
          varchar('locale', 35, true),
          varchar('ip', 64, true),
          varchar('user_agent', 512, true),
          instant(queryRunner, 'created_at'),
          varchar('prev_hash', 64, true),
          varchar('hash', 64),
        ],
        indices: [
          // Serves a subject's history in order and keeps each chain's seq unique.
          new TableIndex({
            name: tableName(queryRunner, 'ux_consent_events_subject_seq'),
            columnNames: ['subject_type', 'subject_id', 'seq'],
            isUnique: true,
          }),
          new TableIndex({
            name: tableName(queryRunner, 'ix_consent_events_created'),
            columnNames: ['created_at', 'id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(tableName(queryRunner, 'consent_events'));
    await queryRunner.dropTable(tableName(queryRunner, 'consent_records'));
    await queryRunner.dropTable(tableName(queryRunner, 'users'));
  }
}
