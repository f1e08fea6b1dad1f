import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableName } from './portable-columns.js';

/**
 * The format of each audit event and checkpoint: 1 for every row written before this migration (their hash and
 * MAC stay as they are: chains are never re-hashed), 2 for what the module writes from now on (the subject is
 * bound through a keyed pseudonym). The default keeps rows written by an older version of the module, still
 * running during a rolling upgrade, at format 1, which is how they are hashed.
 */
export class ConsentEventFormat1763740000000 implements MigrationInterface {
  name = 'ConsentEventFormat1763740000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['consent_events', 'consent_checkpoints']) {
      await queryRunner.addColumn(
        tableName(queryRunner, table),
        new TableColumn({ name: 'format', type: 'integer', default: 1 }),
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['consent_checkpoints', 'consent_events']) {
      await queryRunner.dropColumn(tableName(queryRunner, table), 'format');
    }
  }
}
