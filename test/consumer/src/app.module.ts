import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthConsentExceptionFilter, AuthConsentModule, createAuthConsentValidationPipe } from 'nestjs-auth-consent';
import { ShopDataModule } from './shop-data.module.js';
import { ShopUserStore } from './shop-user.store.js';
import { ShopController } from './shop.controller.js';
import { ShopLocalStrategy, ShopOAuthStrategy, ShopSerializer } from './shop-passport.js';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
    ShopDataModule,
    AuthConsentModule.forRootAsync({
      imports: [ConfigModule, ShopDataModule],
      inject: [ConfigService, ShopUserStore],
      useFactory: (config: ConfigService, users: ShopUserStore) => ({
        redis: { url: config.getOrThrow<string>('REDIS_URL') },
        database: {
          url: config.getOrThrow<string>('DATABASE_URL'),
          tablePrefix: config.get<string>('TABLE_PREFIX', ''),
          // ShopDatabase already ran the exported migrations, together with the shop's own.
          migrationsRun: false,
        },
        session: {
          secret: config.getOrThrow<string>('SESSION_SECRET').split(','),
          redisPrefix: config.get<string>('REDIS_PREFIX', 'shop:'),
          cookieSecure: false,
        },
        auth: {
          userStore: users,
          argon2: { memoryCost: 1024, timeCost: 1 },
        },
        consent: {
          auditSecret: config.getOrThrow<string>('CONSENT_AUDIT_SECRET'),
          policyVersion: '2026-11',
          categories: [
            { key: 'necessary', name: 'Necessary', description: 'Sign-in and your consent choice.', required: true },
            {
              key: 'personalisation',
              name: 'Personalisation',
              description: 'Recommendations based on what you viewed.',
              cookies: [
                { name: 'shop_reco', purpose: 'Recently viewed products', duration: '30 days', provider: 'this shop' },
              ],
            },
            {
              key: 'ads',
              name: 'Advertising',
              description: 'Ads from our partners.',
              gpcOptOut: true,
              cookies: [
                { name: 'shop_ads', purpose: 'Advertising identifier', duration: '90 days', provider: 'an ad network' },
              ],
            },
          ],
          consentMode: {
            ad_storage: ['ads'],
            ad_user_data: ['ads'],
            ad_personalization: ['ads'],
            analytics_storage: [],
          },
        },
      }),
    }),
  ],
  controllers: [ShopController],
  providers: [
    ShopLocalStrategy,
    ShopOAuthStrategy,
    ShopSerializer,
    { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
    { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
  ],
})
export class AppModule {}
