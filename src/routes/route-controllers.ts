import { Controller, type Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { AdminAuditController } from '../admin/admin-audit.controller.js';
import { AdminConsentController } from '../admin/admin-consent.controller.js';
import { AdminSessionsController } from '../admin/admin-sessions.controller.js';
import { AdminUserSessionsController } from '../admin/admin-user-sessions.controller.js';
import { AdminUsersController } from '../admin/admin-users.controller.js';
import { AuthController } from '../auth/auth.controller.js';
import { BannerController } from '../banner/banner.controller.js';
import { ConsentController } from '../consent/consent.controller.js';
import { HealthController } from '../health/health.controller.js';
import { joinRoute, type ResolvedRoutes, type RouteGroup } from './routes.options.js';

/** Metadata on each route handler of the module: its group (Nest copies a handler's metadata onto the Express handler). */
export const MODULE_ROUTE_GROUP = 'nestjs-auth-consent:route-group';

/** Every controller of the module, as [group, path under the group's path, controller class]. */
const ROUTE_CONTROLLERS: Array<[RouteGroup, string, Type]> = [
  ['health', '', HealthController],
  ['banner', '', BannerController],
  ['auth', '', AuthController],
  ['consent', '', ConsentController],
  ['admin', 'consent', AdminConsentController],
  ['admin', 'audit', AdminAuditController],
  ['admin', 'users', AdminUserSessionsController],
  ['admin', 'users', AdminUsersController],
  ['admin', 'sessions', AdminSessionsController],
];

for (const [group, , base] of ROUTE_CONTROLLERS) {
  for (const name of Object.getOwnPropertyNames(base.prototype)) {
    const method = (base.prototype as Record<string, unknown>)[name];
    if (typeof method === 'function' && Reflect.hasOwnMetadata(METHOD_METADATA, method)) Reflect.defineMetadata(MODULE_ROUTE_GROUP, group, method);
  }
}

/**
 * The module's controllers at the paths of `routes`: a controller's path is decorator metadata, so each
 * controller of a mounted group is subclassed and given its path here (`@Controller(path)` on the subclass;
 * routes, guards, injections and OpenAPI decorators are inherited). A group set to `false` has none.
 */
export function createRouteControllers(routes: ResolvedRoutes): Type[] {
  return ROUTE_CONTROLLERS.flatMap(([group, sub, base]) => {
    const path = routes[group];
    if (path === false) return [];
    const mounted = { [base.name]: class extends (base as Type<object>) {} }[base.name];
    Controller(joinRoute(path, sub))(mounted);
    return [mounted];
  });
}
