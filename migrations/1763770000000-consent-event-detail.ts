import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { tableName, varchar } from './portable-columns.js';

/**
 * `consent_events.detail`: the optional fields of event format 2 (the GPC signal and an explicit override of
 * it, the rule set and region, and later fields of the same kind), as JSON. Null on every earlier row, whose
 * hash leaves it out. `consent_records.rule_set`: `opt-out` when the current decision was made under opt-out
 * rules (so it is not taken as prior consent under opt-in rules); null otherwise. `consent_records.text_hash`:
 * the hash of the texts the decision was made on, so a changed text asks again those who saw it.
 */
export class ConsentEventDetail1763770000000 implements MigrationInterface {
  name = 'ConsentEventDetail1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      tableName(queryRunner, 'consent_events'),
      new TableColumn({ name: 'detail', type: 'text', isNullable: true }),
    );
    await queryRunner.addColumn(
      tableName(queryRunner, 'consent_records'),
      new TableColumn(varchar('rule_set', 8, true)),
    );
    await queryRunner.addColumn(
      tableName(queryRunner, 'consent_records'),
      new TableColumn(varchar('text_hash', 64, true)),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn(tableName(queryRunner, 'consent_records'), 'text_hash');
    await queryRunner.dropColumn(tableName(queryRunner, 'consent_records'), 'rule_set');
    await queryRunner.dropColumn(tableName(queryRunner, 'consent_events'), 'detail');
  }
}
