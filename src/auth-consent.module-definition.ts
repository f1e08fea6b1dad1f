import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthConsentModuleOptions } from './auth-consent.options.js';

/** Options that change the module's shape: they sit on the `forRoot`/`forRootAsync` call, never in the factory's result. */
export interface AuthConsentModuleExtras {
  /** Register the module globally. Default `false`. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthConsentModuleOptions>({ moduleName: 'AuthConsent' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthConsentOptions')
  .setExtras<AuthConsentModuleExtras>({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
