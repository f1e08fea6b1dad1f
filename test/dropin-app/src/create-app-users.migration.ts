import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The app's first migration, recorded in the app's own `migrations` table. */
export class CreateAppUsers1700000000000 implements MigrationInterface {
  name = 'CreateAppUsers1700000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(200) NOT NULL)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE users`);
  }
}
