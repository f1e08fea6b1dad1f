import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { bootLibraryApp } from './support/library-app.js';
import { ProbeController } from './support/probe.controller.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

const tablePrefix = uniquePrefix('autht');
const redisPrefix = `${tablePrefix}:`;
const SAMPLES = 25;
let app: INestApplication;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(body: object): Promise<number> {
  const started = process.hrtime.bigint();
  await request(app.getHttpServer()).post('/auth/login').send(body);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

describe('login timing: unknown user vs wrong password (statistical)', () => {
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: {
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          // A cost high enough that hashing, not HTTP noise, dominates each sample; no throttling in the way.
          auth: {
            argon2: { memoryCost: 8192, timeCost: 2, parallelism: 1 },
            throttle: { accountFreeFailures: 10_000, ipFreeFailures: 10_000 },
          },
        },
        controllers: [ProbeController],
      })
    ).app;
    await app.get(AuthService).createUser('known-user', 'the real password');
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('costs the same for an unknown user and a wrong password (interleaved medians within a generous bound)', async () => {
    const unknown: number[] = [];
    const wrong: number[] = [];
    const baseline: number[] = [];
    await timed({ username: 'warm-up', password: 'x' });
    for (let i = 0; i < SAMPLES; i++) {
      // Interleaved, alternating order, so drift in machine load hits both series alike.
      if (i % 2) {
        unknown.push(await timed({ username: `unknown-${i}`, password: 'a guess' }));
        wrong.push(await timed({ username: 'known-user', password: 'a guess' }));
      } else {
        wrong.push(await timed({ username: 'known-user', password: 'a guess' }));
        unknown.push(await timed({ username: `unknown-${i}`, password: 'a guess' }));
      }
      baseline.push(await timed({ username: 'known-user' })); // 400 before any hashing
    }
    const [u, w, b] = [median(unknown), median(wrong), median(baseline)];
    process.stdout.write(
      `login timing medians (ms): unknown ${u.toFixed(1)}, wrong password ${w.toFixed(1)}, no hashing ${b.toFixed(1)}\n`,
    );
    // Both pay for a hash: skipping the dummy verification would put `unknown` near the baseline.
    expect(u).toBeGreaterThan(b * 2);
    expect(w).toBeGreaterThan(b * 2);
    expect(u / w).toBeGreaterThan(0.6);
    expect(u / w).toBeLessThan(1.67);
  });
});
