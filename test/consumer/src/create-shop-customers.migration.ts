import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The shop's own users table: the module reads it through ShopUserStore, never through its own `users` table. */
export class CreateShopCustomers1763800000000 implements MigrationInterface {
  name = 'CreateShopCustomers1763800000000';

  private table(queryRunner: QueryRunner): string {
    return `"${queryRunner.connection.options.entityPrefix ?? ''}shop_customers"`;
  }

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE ${this.table(queryRunner)} (
      id uuid PRIMARY KEY,
      email varchar(254) NOT NULL UNIQUE,
      password_hash varchar(255) NOT NULL,
      roles text NOT NULL DEFAULT '',
      disabled boolean NOT NULL DEFAULT false,
      password_changed_at timestamptz(3) NOT NULL,
      created_at timestamptz(3) NOT NULL
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.table(queryRunner)}`);
  }
}
