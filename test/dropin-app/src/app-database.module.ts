import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppUser } from './app-user.entity.js';
import { CreateAppUsers1700000000000 } from './create-app-users.migration.js';

/**
 * The app's TypeORM connection as `TypeOrmModule.forRoot({ url, entities, migrations, migrationsRun: true })`
 * provides it: an initialized DataSource under the `DataSource` class, which is what `getDataSourceToken()`
 * returns for the default connection, closed by the app on shutdown.
 */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      useFactory: async (): Promise<DataSource> => {
        const dataSource = new DataSource({
          type: 'postgres',
          url: process.env.DATABASE_URL,
          entities: [AppUser],
          migrations: [CreateAppUsers1700000000000],
          migrationsRun: true,
        });
        return dataSource.initialize();
      },
    },
  ],
  exports: [DataSource],
})
export class AppDatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
