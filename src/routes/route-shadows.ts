import { MODULE_ROUTE_GROUP } from './route-group.js';
import type { RouteGroup } from './routes.options.js';

/** What the check reads of an Express (router 2) layer. */
export interface RouterLayer {
  route?: { path?: unknown; methods?: Record<string, boolean | undefined>; stack?: Array<{ handle?: unknown }> };
  match?: (path: string) => unknown;
}

interface RouteEntry {
  layer: RouterLayer;
  path: string;
  methods: string[];
  /** The module's group, or undefined for a route of the app. */
  group: RouteGroup | undefined;
  /** `Controller.method` (Nest names its handlers so), or the function's name. */
  handler: string;
}

function entriesOf(stack: RouterLayer[]): RouteEntry[] {
  const entries: RouteEntry[] = [];
  for (const layer of stack) {
    const route = layer.route;
    if (!route || typeof layer.match !== 'function') continue;
    const paths = (Array.isArray(route.path) ? route.path : [route.path]).filter(
      (p): p is string => typeof p === 'string',
    );
    const handles = (route.stack ?? [])
      .map((l) => l.handle)
      .filter((h): h is (...args: unknown[]) => unknown => typeof h === 'function');
    const group = handles
      .map((h) => Reflect.getMetadata(MODULE_ROUTE_GROUP, h) as RouteGroup | undefined)
      .find(Boolean);
    const handler = handles.map((h) => h.name).find((n) => n && n !== '<anonymous>') ?? 'an anonymous handler';
    const methods = Object.keys(route.methods ?? {}).filter((m) => route.methods?.[m]);
    for (const path of paths) entries.push({ layer, path, methods, group, handler });
  }
  return entries;
}

/** A concrete path a route answers: each parameter and wildcard filled in, optional parts kept. */
function samplePath(path: string): string {
  return path.replace(/[:*][A-Za-z0-9_$]+/g, 'x').replace(/[{}]/g, '');
}

function overlap(a: string[], b: string[]): string | undefined {
  if (a.includes('_all')) return b.find((m) => m !== '_all') ?? 'all';
  if (b.includes('_all')) return a[0];
  return a.find((m) => b.includes(m));
}

/**
 * One sentence per route of the module that another route hides or is hidden by (Express answers a request
 * with the first route registered for its method and path): read from the app's router once every route is
 * registered. Routes of one group never collide with each other; two groups mounted on the same path may.
 */
export function routeShadowWarnings(stack: RouterLayer[]): string[] {
  const entries = entriesOf(stack);
  const warnings = new Set<string>();
  for (let i = 0; i < entries.length; i++) {
    const first = entries[i];
    for (let j = i + 1; j < entries.length; j++) {
      const later = entries[j];
      if (first.layer === later.layer || (first.group === undefined && later.group === undefined)) continue;
      if (first.group !== undefined && first.group === later.group) continue;
      const method = overlap(first.methods, later.methods);
      if (!method || !first.layer.match?.(samplePath(later.path))) continue;
      const what = `${method.toUpperCase()} ${later.path}`;
      if (first.group === undefined) {
        warnings.add(
          `${what}: the app's route (${first.handler}, ${first.path}) is registered before the module's and answers it, so the module's never runs. ` +
            `Move the module's ${later.group} routes with the routes.${later.group} option of AuthConsentModule.forRoot (a path, or false to mount none), or move the app's route.`,
        );
      } else if (later.group === undefined) {
        warnings.add(
          `${what}: the module's route (routes.${first.group}, ${first.path}) answers it before the app's ${later.handler}, which never runs. ` +
            `Move the module's ${first.group} routes with the routes.${first.group} option of AuthConsentModule.forRoot (a path, or false to mount none), or move the app's route.`,
        );
      } else {
        warnings.add(
          `${what}: routes.${first.group} (${first.path}) answers it before routes.${later.group}, whose route never runs; give the two groups different paths.`,
        );
      }
    }
  }
  return [...warnings];
}
