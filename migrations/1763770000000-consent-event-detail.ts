import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableName } from './portable-columns.js';

/**
 * `consent_events.detail`: the optional fields of event format 2 (the GPC signal and an explicit override of
 * it, and later fields of the same kind), as JSON. Null on every earlier row, whose hash leaves it out.
 */
export class ConsentEventDetail1763770000000 implements MigrationInterface {
  name = 'ConsentEventDetail1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(tableName(queryRunner, 'consent_events'), new TableColumn({ name: 'detail', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn(tableName(queryRunner, 'consent_events'), 'detail');
  }
}
