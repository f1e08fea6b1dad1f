import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { authConsentMigrations } from '../../migrations/index.js';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { withoutStatementLimit, type DatabaseTimeouts } from './database-timeouts.js';
import { connectionOptionsFromUrl, driverOf } from './database-url.js';
import { runMigrationsLocked } from './migration-lock.js';
import { authConsentEntities } from './entities.js';

const logger = new Logger('AuthConsentDatabase');

export const dataSourceProvider: Provider = {
  provide: AUTH_CONSENT_DATA_SOURCE,
  inject: [AUTH_CONSENT_OPTIONS],
  useFactory: async ({ database }: ResolvedAuthConsentOptions): Promise<DataSource> => {
    const create = (timeouts: DatabaseTimeouts) =>
      new DataSource({
        ...connectionOptionsFromUrl(database.url, database.tablePrefix, timeouts),
        entities: authConsentEntities,
        migrations: authConsentMigrations,
        migrationsRun: false,
        logging: database.logging,
      });
    const dataSource = create(database.timeouts);
    await dataSource.initialize();
    if (database.migrationsRun) {
      // A migration may rebuild a large table for longer than a request's statement limit: a server database
      // migrates on its own short-lived pool without that limit (SQLite shares its one in-process database).
      const separate = driverOf(database.url) !== 'better-sqlite3';
      const migrator = separate ? create(withoutStatementLimit(database.timeouts)) : dataSource;
      try {
        if (separate) await migrator.initialize();
        const ran = await runMigrationsLocked(migrator, `${database.tablePrefix}migrations`);
        if (ran.length > 0) logger.log(`Applied ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}`);
      } catch (err) {
        await dataSource.destroy().catch(() => undefined);
        throw err;
      } finally {
        if (separate && migrator.isInitialized) await migrator.destroy();
      }
    }
    return dataSource;
  },
};

/** Closes the module's data source on shutdown. */
@Injectable()
export class DataSourceLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
