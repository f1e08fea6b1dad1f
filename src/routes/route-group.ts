import type { Type } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import type { ResolvedRoutes, RouteGroup } from './routes.options.js';

/** Metadata on each route handler of the module: its group (Nest copies a handler's metadata onto the Express handler). */
export const MODULE_ROUTE_GROUP = 'nestjs-auth-consent:route-group';

/**
 * The controllers of `group` when it is mounted (none when `routes[group]` is `false`), each handler tagged
 * with the group so the boot check can tell the module's routes from the app's (route-shadows.ts). The
 * group's path is the path of the feature module that lists them (RouterModule, see src/auth-consent.features.ts).
 */
export function groupControllers(group: RouteGroup, routes: ResolvedRoutes, controllers: Type[]): Type[] {
  if (routes[group] === false) return [];
  for (const controller of controllers) {
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const method = (controller.prototype as Record<string, unknown>)[name];
      if (typeof method === 'function' && Reflect.hasOwnMetadata(METHOD_METADATA, method))
        Reflect.defineMetadata(MODULE_ROUTE_GROUP, group, method);
    }
  }
  return controllers;
}
