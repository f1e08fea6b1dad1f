import type { DynamicModule, InjectionToken } from '@nestjs/common';
import { RouterModule, type RouteTree } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { BannerModule } from './banner/banner.module.js';
import { ConsentModule } from './consent/consent.module.js';
import { CoreModule, type OptionsDefinition } from './core/core.module.js';
import { HealthModule } from './health/health.module.js';
import { AuthConsentMiddleware } from './auth-consent.middleware.js';
import type { ResolvedRoutes, RouteGroup } from './routes/routes.options.js';

/**
 * What AuthConsentModule is made of: the core (options, Redis, DataSource), one module per feature (each
 * imports the ones below it: core → auth → consent → admin), and RouterModule mounting each route group's
 * module at its path. The app sees what the feature modules export.
 */
export function composeFeatures(
  definition: OptionsDefinition,
  optionsToken: InjectionToken,
  routes: ResolvedRoutes,
): Pick<DynamicModule, 'imports' | 'providers' | 'exports'> {
  const core = CoreModule.register(definition, optionsToken, routes);
  const auth = AuthModule.register(core, routes);
  const consent = ConsentModule.register(core, auth, routes);
  const admin = AdminModule.register(core, auth, consent, routes);
  const health = HealthModule.register(core, routes);
  const banner = BannerModule.register(core, routes);
  const mounted: Array<[RouteGroup, DynamicModule]> = [
    ['auth', auth],
    ['consent', consent],
    ['banner', banner],
    ['health', health],
    ['admin', admin],
  ];
  const tree: RouteTree[] = mounted.flatMap(([group, feature]) => {
    const path = routes[group];
    return path === false ? [] : [{ path, module: feature.module }];
  });
  return {
    imports: [core, auth, consent, admin, health, banner, RouterModule.register(tree)],
    providers: [AuthConsentMiddleware],
    exports: [CoreModule, AuthModule, ConsentModule, AdminModule, HealthModule],
  };
}
