import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';
import { instant, tableName } from './portable-columns.js';

/**
 * `users.last_login_at`: when the user last signed in (set by each login through the built-in user store;
 * null until the first login after this migration). The admin user search shows it.
 */
export class UserLastSignIn1763750000000 implements MigrationInterface {
  name = 'UserLastSignIn1763750000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      tableName(queryRunner, 'users'),
      new TableColumn(instant(queryRunner, 'last_login_at', true)),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn(tableName(queryRunner, 'users'), 'last_login_at');
  }
}
