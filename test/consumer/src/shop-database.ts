import { type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { authConsentMigrations } from 'nestjs-auth-consent/migrations';
import { DataSource } from 'typeorm';
import { CreateShopCustomers1763800000000 } from './create-shop-customers.migration.js';

/** The shop's own connection: it runs the module's exported migrations next to its own, before the module starts. */
export class ShopDatabase implements OnApplicationShutdown {
  private constructor(
    readonly dataSource: DataSource,
    readonly prefix: string,
  ) {}

  static async open(config: ConfigService): Promise<ShopDatabase> {
    const prefix = config.get<string>('TABLE_PREFIX', '');
    const dataSource = new DataSource({
      type: 'postgres',
      url: config.getOrThrow<string>('DATABASE_URL'),
      // The same prefix and migrations table as the module's own DataSource, so either may run them.
      entityPrefix: prefix,
      migrationsTableName: `${prefix}migrations`,
      migrations: [...authConsentMigrations, CreateShopCustomers1763800000000],
    });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    return new ShopDatabase(dataSource, prefix);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
