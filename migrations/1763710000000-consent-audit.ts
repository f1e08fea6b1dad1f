import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { bigIdentity, instant, tableName, varchar } from './portable-columns.js';

/** consent_heads (per-subject chain head, the row writers lock) and consent_checkpoints (signed heads and retention folds). */
export class ConsentAudit1763710000000 implements MigrationInterface {
  name = 'ConsentAudit1763710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'consent_heads'),
        columns: [
          { ...varchar('subject_type', 16), isPrimary: true },
          { ...varchar('subject_id', 64), isPrimary: true },
          { name: 'seq', type: 'integer' },
          varchar('hash', 64, true),
          instant(queryRunner, 'updated_at'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: tableName(queryRunner, 'consent_checkpoints'),
        columns: [
          bigIdentity(queryRunner, 'id'),
          varchar('subject_type', 16),
          varchar('subject_id', 64),
          varchar('kind', 8),
          { name: 'seq', type: 'integer' },
          varchar('hash', 64, true),
          { name: 'events', type: 'integer', default: 0 },
          instant(queryRunner, 'created_at'),
          varchar('mac', 64),
        ],
        indices: [
          new TableIndex({
            name: tableName(queryRunner, 'ix_consent_checkpoints_subject'),
            columnNames: ['subject_type', 'subject_id', 'kind', 'seq'],
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable(tableName(queryRunner, 'consent_checkpoints'));
    await queryRunner.dropTable(tableName(queryRunner, 'consent_heads'));
  }
}
