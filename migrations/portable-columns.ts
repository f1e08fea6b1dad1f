import type { QueryRunner, TableColumnOptions } from 'typeorm';

/** The table prefix of the data source running the migration (TypeORM's `entityPrefix`). */
export function tableName(queryRunner: QueryRunner, name: string): string {
  return `${queryRunner.connection.options.entityPrefix ?? ''}${name}`;
}

/** A UTC instant with millisecond precision, in each database's own type. */
export function instant(queryRunner: QueryRunner, name: string, nullable = false): TableColumnOptions {
  switch (queryRunner.connection.driver.options.type) {
    case 'postgres':
      return { name, type: 'timestamptz', precision: 3, isNullable: nullable };
    case 'mysql':
    case 'mariadb':
      return { name, type: 'datetime', precision: 3, isNullable: nullable };
    default:
      return { name, type: 'datetime', isNullable: nullable };
  }
}

/** An auto-incremented 64-bit key (SQLite only autoincrements an INTEGER PRIMARY KEY, which is 64-bit). */
export function bigIdentity(queryRunner: QueryRunner, name: string): TableColumnOptions {
  const sqlite = queryRunner.connection.driver.options.type === 'better-sqlite3';
  return {
    name,
    type: sqlite ? 'integer' : 'bigint',
    isPrimary: true,
    isGenerated: true,
    generationStrategy: 'increment',
  };
}

export function varchar(name: string, length: number, nullable = false): TableColumnOptions {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}
