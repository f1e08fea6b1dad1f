import { Module } from '@nestjs/common';
import { AuthConsentModule } from 'nestjs-auth-consent';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppController } from './app.controller.js';
import { AppDatabaseModule } from './app-database.module.js';

@Module({
  imports: [
    AppDatabaseModule,
    AuthConsentModule.forRootAsync({
      // The app's DataSource from @nestjs/typeorm: the module's tables, migrations and timeouts ride on it.
      inject: [getDataSourceToken()],
      useFactory: (dataSource: DataSource) => ({
        redis: { url: process.env.REDIS_URL! },
        database: { dataSource },
        session: { secret: process.env.SESSION_SECRET!, redisPrefix: process.env.REDIS_PREFIX, cookieSecure: false },
        auth: { argon2: { memoryCost: 1024, timeCost: 1 } },
        consent: { auditSecret: process.env.CONSENT_AUDIT_SECRET! },
      }),
    }),
  ],
  controllers: [AppController],
})
export class AppModule {}
