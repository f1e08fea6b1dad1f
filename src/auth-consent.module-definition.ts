import { ConfigurableModuleBuilder, type DynamicModule } from '@nestjs/common';
import type { AuthConsentModuleOptions } from './auth-consent.options.js';
import { composeFeatures } from './auth-consent.features.js';
import { resolveRoutes, type AuthConsentRoutes } from './routes/routes.options.js';

/** Options that change the module's shape: they sit on the `forRoot`/`forRootAsync` call, never in the factory's result. */
export interface AuthConsentModuleExtras {
  /** Register the module globally. Default `false`. */
  isGlobal?: boolean;
  /**
   * Where each group of routes is mounted, or `false` for none of it: `{ auth: '/api/auth', health: false }`.
   * Defaults: `/auth`, `/consent`, banner at the consent path, `/health`, `/admin`.
   */
  routes?: AuthConsentRoutes;
  /** @deprecated Use `routes: { admin: false }`. Mount the admin controllers. Default `true`. */
  admin?: boolean;
  /** @deprecated Use `routes: { admin: '/internal/admin' }`. Path prefix of the admin routes. Default `'admin'`. */
  adminPath?: string;
}

const builder = new ConfigurableModuleBuilder<AuthConsentModuleOptions>({ moduleName: 'AuthConsent' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthConsentOptions')
  // Every key is listed, undefined or not: the builder keeps the listed keys out of the module's options.
  .setExtras<AuthConsentModuleExtras>(
    { isGlobal: false, routes: undefined, admin: undefined, adminPath: undefined },
    (definition, extras): DynamicModule => {
      // Validated here: the paths shape the module, so a bad one stops the app before any route is mapped.
      const routes = resolveRoutes(extras);
      // The options' provider (and forRootAsync's imports) move into the core module the features import.
      const { module, imports, providers } = definition;
      return {
        module,
        global: extras.isGlobal,
        ...composeFeatures({ imports, providers }, MODULE_OPTIONS_TOKEN, routes),
      };
    },
  )
  .build();

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } = builder;
