import { Module } from '@nestjs/common';
import { AuthConsentModule } from 'nestjs-auth-consent';
import { DataSource } from 'typeorm';
import { AppController } from './app.controller.js';
import { AppDatabaseModule } from './app-database.module.js';

@Module({
  imports: [
    AppDatabaseModule,
    AuthConsentModule.forRootAsync({
      // With @nestjs/typeorm: `inject: [getDataSourceToken()]`, which is the DataSource class.
      inject: [DataSource],
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
