import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { authConsentMigrations } from '../../migrations/index.js';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { connectionOptionsFromUrl } from './database-url.js';
import { authConsentEntities } from './entities.js';

const logger = new Logger('AuthConsentDatabase');

export const dataSourceProvider: Provider = {
  provide: AUTH_CONSENT_DATA_SOURCE,
  inject: [AUTH_CONSENT_OPTIONS],
  useFactory: async ({ database }: ResolvedAuthConsentOptions): Promise<DataSource> => {
    const dataSource = new DataSource({
      ...connectionOptionsFromUrl(database.url, database.tablePrefix),
      entities: authConsentEntities,
      migrations: authConsentMigrations,
      migrationsRun: false,
      logging: database.logging,
    });
    await dataSource.initialize();
    if (database.migrationsRun) {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      if (ran.length > 0) logger.log(`Applied ${ran.length} migration(s): ${ran.map((m) => m.name).join(', ')}`);
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
