import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ShopDatabase } from './shop-database.js';
import { ShopUserStore } from './shop-user.store.js';

/** The shop's database and its user store; imported by AuthConsentModule.forRootAsync so the factory can inject them. */
@Module({
  imports: [ConfigModule],
  providers: [
    {
      provide: ShopDatabase,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ShopDatabase.open(config),
    },
    ShopUserStore,
  ],
  exports: [ShopDatabase, ShopUserStore],
})
export class ShopDataModule {}
