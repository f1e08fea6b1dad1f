import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AuthConsentModuleOptions } from './auth-consent.options.js';
import { AUTH_CONSENT_ROUTES } from './auth-consent.constants.js';
import { createRouteControllers } from './routes/route-controllers.js';
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

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AuthConsentModuleOptions>({ moduleName: 'AuthConsent' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthConsentOptions')
  // Every key is listed, undefined or not: the builder keeps the listed keys out of the module's options.
  .setExtras<AuthConsentModuleExtras>({ isGlobal: false, routes: undefined, admin: undefined, adminPath: undefined }, (definition, extras) => {
    // Validated here: the paths shape the module, so a bad one stops the app before any route is mapped.
    const routes = resolveRoutes(extras);
    return {
      ...definition,
      global: extras.isGlobal,
      controllers: [...(definition.controllers ?? []), ...createRouteControllers(routes)],
      providers: [...(definition.providers ?? []), { provide: AUTH_CONSENT_ROUTES, useValue: routes }],
      exports: [...(definition.exports ?? []), AUTH_CONSENT_ROUTES],
    };
  })
  .build();
