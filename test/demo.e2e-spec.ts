import { afterAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_REDIS } from '../src/auth-consent.constants.js';
import type { RedisClientType } from 'redis';
import { bootDemo } from './support/demo-app.js';
import {
  dropPrefixedTables,
  freePort,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
  waitFor,
} from './support/services.js';

const dir = mkdtempSync(join(tmpdir(), 'ac-demo-'));
const pgPrefix = uniquePrefix('demo');
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropPrefixedTables(POSTGRES_URL, pgPrefix);
});

describe('the demo app', () => {
  describe.each([
    [
      'embedded defaults (SQLite, in-process store)',
      { DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}` },
      'in-process',
    ],
    [
      'PostgreSQL + Redis',
      { DATABASE_URL: POSTGRES_URL, TABLE_PREFIX: pgPrefix, REDIS_URL, SESSION_SECRET: TEST_SECRET },
      'up',
    ],
  ])('on %s', (_name, env, redisState) => {
    let app: INestApplication;

    it('boots and answers /health, JSON errors, the home page and the OpenAPI document', async () => {
      app = await bootDemo(env);
      const http = app.getHttpServer();
      expect((await request(http).get('/health').expect(200)).body).toEqual({
        status: 'ok',
        redis: redisState,
        database: 'up',
      });
      expect((await request(http).get('/no/such/route').expect(404)).body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Cannot GET /no/such/route',
      });
      const malformed = await request(http)
        .post('/health')
        .set('Content-Type', 'application/json')
        .send('{"a":')
        .expect(400);
      expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      for (const page of ['/', '/login', '/account', '/admin'])
        await request(http).get(page).expect(200).expect('Content-Type', /html/);
      await request(http).get('/assets/app.js').expect(200);
      await request(http).get('/assets/..%2fdemo.controller.ts').expect(404);
      const banner = await request(http)
        .get('/consent/banner.js')
        .expect(200)
        .expect('Content-Type', /javascript/);
      expect(banner.text).toContain('window.AuthConsent');
      await request(http).get('/consent/banner.js').set('If-None-Match', banner.headers.etag).expect(304);
    });

    it('serves its pages whatever the letter case and with a trailing slash, as Express routes them (was a 500)', async () => {
      const http = app.getHttpServer();
      for (const [path, marker] of [
        ['/Login', 'login.js'],
        ['/login/', 'login.js'],
        ['/ACCOUNT', 'account.js'],
        ['/Admin/', 'admin.js'],
        ['/LOGIN/', 'login.js'],
      ]) {
        const res = await request(http).get(path).expect(200).expect('Content-Type', /html/);
        expect(res.text).toContain(`/assets/${marker}`);
      }
      await request(http).get('/ASSETS/app.js').expect(200);
      expect((await request(http).get('/assets/App.js').expect(404)).body).toMatchObject({ statusCode: 404 });
    });

    it('closes the data source and the Redis client it opened on shutdown', async () => {
      const dataSource = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
      const redis = app.get<RedisClientType | null>(AUTH_CONSENT_REDIS);
      await app.close();
      expect(dataSource.isInitialized).toBe(false);
      if (redis) expect(redis.isOpen).toBe(false);
    });
  });

  it('runs as `node dist/src/demo/main.js` with no configuration at all and serves /health and /docs', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(join(tmpdir(), 'ac-start-'));
    // The built entry point, as `npm start` runs it, from an empty directory with an empty environment.
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/demo/main.js')], {
      cwd,
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      await waitFor(async () => output.includes('Demo listening'), 20_000, `the demo to start: ${output}`);
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/health`)).json()).toEqual({
        status: 'ok',
        redis: 'in-process',
        database: 'up',
      });
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      const doc = (await (await fetch(`${base}/docs-json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toContain('/health');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('refuses to start in production without Redis, with one clear line', async () => {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/demo/main.js')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', SESSION_SECRET: TEST_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Configuration error: redis is required in production/),
    ]);
  });
});
