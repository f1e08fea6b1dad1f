import { TypeOrmModule } from '@nestjs/typeorm';
import { AppUser } from './app-user.entity.js';
import { CreateAppUsers1700000000000 } from './create-app-users.migration.js';

/**
 * The app's own TypeORM connection, as the NestJS docs set it up: its entities, its migrations (run at boot
 * into its own `migrations` table); `@nestjs/typeorm` opens it and closes it on shutdown.
 */
export const AppDatabaseModule = TypeOrmModule.forRoot({
  type: 'postgres',
  url: process.env.DATABASE_URL,
  entities: [AppUser],
  migrations: [CreateAppUsers1700000000000],
  migrationsRun: true,
});
