import { type DynamicModule, Module } from '@nestjs/common';
import { groupControllers } from '../routes/route-group.js';
import type { ResolvedRoutes } from '../routes/routes.options.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

/** Whether Redis and the database answer: HealthService (also for `nestjs-auth-consent/terminus`), `GET <routes.health>`. */
@Module({})
export class HealthModule {
  static register(core: DynamicModule, routes: ResolvedRoutes): DynamicModule {
    return {
      module: HealthModule,
      imports: [core],
      providers: [HealthService],
      controllers: groupControllers('health', routes, [HealthController]),
      exports: [HealthService],
    };
  }
}
