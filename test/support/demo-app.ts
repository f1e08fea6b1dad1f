import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/demo/app.module.js';
import type { DemoEnv } from '../../src/demo/demo-config.js';

/** Boots the demo app module as main.ts does, without listening on a port. */
export async function bootDemo(env: DemoEnv): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forEnv(env)] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return app;
}
