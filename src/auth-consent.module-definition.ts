import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthConsentModuleOptions } from './auth-consent.options.js';
import { resolveAdminPath } from './admin/admin.options.js';
import { createAdminControllers } from './admin/admin.providers.js';

/** Options that change the module's shape: they sit on the `forRoot`/`forRootAsync` call, never in the factory's result. */
export interface AuthConsentModuleExtras {
  /** Register the module globally. Default `false`. */
  isGlobal?: boolean;
  /** Mount the admin controllers (sessions, consent review, audit log). Default `true`. */
  admin?: boolean;
  /** Path prefix of the admin routes. Default `'admin'` (`/admin/consent/…`, `/admin/audit`). */
  adminPath?: string;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthConsentModuleOptions>({ moduleName: 'AuthConsent' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthConsentOptions')
  .setExtras<AuthConsentModuleExtras>({ isGlobal: false, admin: true, adminPath: 'admin' }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
    // Validated here: the path shapes the module, so a bad one stops the app before any route is mapped.
    controllers: [...(definition.controllers ?? []), ...(extras.admin === false ? [] : createAdminControllers(resolveAdminPath(extras.adminPath)))],
  }))
  .build();
