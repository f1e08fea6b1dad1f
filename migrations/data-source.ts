import { DataSource } from 'typeorm';
import { connectionOptionsFromUrl, DEFAULT_DATABASE_URL } from '../src/database/database-url.js';
import { DEFAULT_TABLE_PREFIX } from '../src/database/table-prefix.js';
import { authConsentMigrations } from './index.js';

/** The data source of the TypeORM CLI (`npm run migration:run|revert|show`): `DATABASE_URL` and `TABLE_PREFIX` (default `auth_consent_`, as the module's; empty for none). */
export default new DataSource({
  ...connectionOptionsFromUrl(
    process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    process.env.TABLE_PREFIX ?? DEFAULT_TABLE_PREFIX,
  ),
  migrations: authConsentMigrations,
});
