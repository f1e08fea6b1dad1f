import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { bigIdentity, instant, tableName, varchar } from './portable-columns.js';

/**
 * What the admin review needs to stay fast at a million events: keyset indexes on consent_events for each
 * filter, a side table with one row per (event, category) so category filters and stats never parse the
 * JSON decision columns, and the admin audit log.
 */
export class AdminIndexes1763730000000 implements MigrationInterface {
  name = 'AdminIndexes1763730000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const events = tableName(queryRunner, 'consent_events');
    // Every admin list is ordered by (created_at, id); each filter gets an index with that order as its tail.
    await queryRunner.createIndex(
      events,
      new TableIndex({
        name: tableName(queryRunner, 'ix_ce_subject_created'),
        columnNames: ['subject_type', 'subject_id', 'created_at', 'id'],
      }),
    );
    await queryRunner.createIndex(
      events,
      new TableIndex({
        name: tableName(queryRunner, 'ix_ce_action_created'),
        columnNames: ['action', 'created_at', 'id'],
      }),
    );
    await queryRunner.createIndex(
      events,
      new TableIndex({
        name: tableName(queryRunner, 'ix_ce_source_created'),
        columnNames: ['source', 'created_at', 'id'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'consent_event_categories'),
        columns: [
          { name: 'event_id', type: 'bigint', isPrimary: true },
          { ...varchar('category', 64), isPrimary: true },
          varchar('action', 16),
          instant(queryRunner, 'created_at'),
          { name: 'granted_before', type: 'boolean', isNullable: true },
          { name: 'granted_after', type: 'boolean', isNullable: true },
        ],
        indices: [
          // A category filter walks this index in keyset order, then joins the event by primary key.
          new TableIndex({
            name: tableName(queryRunner, 'ix_cec_category_created'),
            columnNames: ['category', 'created_at', 'event_id'],
          }),
          // Covers the stats query (range on created_at, grouped by category and outcome).
          new TableIndex({
            name: tableName(queryRunner, 'ix_cec_created_stats'),
            columnNames: ['created_at', 'category', 'granted_after', 'action'],
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'admin_audit'),
        columns: [
          bigIdentity(queryRunner, 'id'),
          varchar('actor_id', 36),
          varchar('actor_username', 254),
          varchar('action', 64),
          varchar('target_type', 32),
          varchar('target_id', 128, true),
          { name: 'details', type: 'text', isNullable: true },
          instant(queryRunner, 'created_at'),
        ],
        indices: [
          new TableIndex({ name: tableName(queryRunner, 'ix_admin_audit_created'), columnNames: ['created_at', 'id'] }),
          new TableIndex({
            name: tableName(queryRunner, 'ix_admin_audit_actor'),
            columnNames: ['actor_id', 'created_at', 'id'],
          }),
          new TableIndex({
            name: tableName(queryRunner, 'ix_admin_audit_target'),
            columnNames: ['target_type', 'target_id', 'created_at', 'id'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(tableName(queryRunner, 'admin_audit'));
    await queryRunner.dropTable(tableName(queryRunner, 'consent_event_categories'));
    const events = tableName(queryRunner, 'consent_events');
    for (const ix of ['ix_ce_source_created', 'ix_ce_action_created', 'ix_ce_subject_created']) {
      await queryRunner.dropIndex(events, tableName(queryRunner, ix));
    }
  }
}
