import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { sessionCookie } from './support/cookie-jar.js';
import { bootLibraryApp, FAST_ARGON2 } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

/**
 * Passport's global singleton is shared by every app in a process: each module instance must use its own,
 * or one app would verify logins and read sessions with another's users.
 */
describe('two module instances in one process (PostgreSQL + Redis)', () => {
  const prefixes = [uniquePrefix('twoa'), uniquePrefix('twob')];
  const apps: INestApplication[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    for (const [i, prefix] of prefixes.entries()) {
      const app = (
        await bootLibraryApp({
          options: {
            environment: 'test',
            redis: { url: REDIS_URL },
            database: { url: POSTGRES_URL, tablePrefix: prefix },
            session: { secret: TEST_SECRET, redisPrefix: `${prefix}r:` },
            auth: { argon2: FAST_ARGON2 },
          },
          controllers: [ProbeController],
        })
      ).app;
      apps.push(app);
      ids.push((await app.get(AuthService).createUser('ada', `password of app ${i}`)).id);
    }
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const prefix of prefixes) {
      await deleteRedisPrefix(`${prefix}r:`);
      await dropPrefixedTables(POSTGRES_URL, prefix);
    }
  });

  it('each verifies passwords against its own users and reads back its own user from its sessions', async () => {
    for (const [i, app] of apps.entries()) {
      const http = () => request(app.getHttpServer());
      await http()
        .post('/auth/login')
        .send({ username: 'ada', password: `password of app ${1 - i}` })
        .expect(401);
      const cookie = sessionCookie(
        await http()
          .post('/auth/login')
          .send({ username: 'ada', password: `password of app ${i}` })
          .expect(200),
      )!;
      expect((await http().get('/auth/me').set('Cookie', cookie).expect(200)).body.user.id).toBe(ids[i]);
    }
  });
});
