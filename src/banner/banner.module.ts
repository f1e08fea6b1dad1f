import { type DynamicModule, Module } from '@nestjs/common';
import { groupControllers } from '../routes/route-group.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { BannerController } from './banner.controller.js';

/** The cookie banner script at `<routes.banner>/banner.js`. */
@Module({})
export class BannerModule {
  static register(core: DynamicModule, routes: ResolvedRoutes): DynamicModule {
    return {
      module: BannerModule,
      imports: [core],
      controllers: groupControllers('banner', routes, [BannerController]),
    };
  }
}
