import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { createClient, type RedisClientType } from 'redis';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { bootLibraryApp, fastArgon2 } from './support/library-app.js';
import { ADMIN, NOT_ADMIN, as } from './support/users.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
  TEST_CONSENT,
} from './support/services.js';

const tablePrefix = uniquePrefix('hostile');
const redisPrefix = `${tablePrefix}r:`;
let app: INestApplication;
let probe: RedisClientType;
let adminCookie: string;
let userCookie: string;

type Method = 'get' | 'post' | 'put' | 'delete';
interface Case {
  name: string;
  method: Method;
  path: string;
  body?: string;
  contentType?: string;
  cookie?: 'admin' | 'user' | string;
}

const JSON_TYPE = 'application/json';
const big = (n: number) => JSON.stringify({ username: 'a'.repeat(n), password: 'b' });

/** Bodies every endpoint that takes one gets. */
const BODIES: Array<[string, string, string?]> = [
  ['truncated JSON', '{"username": "ro'],
  ['JSON null', 'null'],
  ['JSON array', '[1,2,3]'],
  ['JSON string', '"hello"'],
  ['JSON number', '42'],
  ['deeply nested', `${'['.repeat(5000)}${']'.repeat(5000)}`],
  ['__proto__ key', '{"__proto__": {"admin": true, "roles": ["admin"]}, "username": "root", "password": "x"}'],
  [
    'constructor.prototype key',
    '{"constructor": {"prototype": {"polluted": true}}, "decisions": {"__proto__": {"analytics": true}}}',
  ],
  [
    'prototype keys in decisions',
    '{"decisions": {"__proto__": true, "constructor": true, "toString": false}, "policyVersion": "1"}',
  ],
  [
    'wrong types',
    '{"username": 1, "password": {"$gt": ""}, "remember": "yes", "decisions": "all", "policyVersion": 1, "choice": 5}',
  ],
  [
    'unicode and NUL username',
    JSON.stringify({
      username: 'ro\u0000ot\u202e\ud83d\ude00',
      password: 'x\u0000y',
      currentPassword: '\u0000',
      newPassword: '\u0000'.repeat(20),
    }),
  ],
  ['lone surrogate', '{"username": "\\ud800", "password": "\\udfff"}'],
  // Only the login's own fields, so that the NUL reaches the login itself (the body above is refused for its extra ones).
  ['NUL username alone', JSON.stringify({ username: 'ro\u0000ot', password: 'x' })],
  ['oversized (200 kB)', big(200_000)],
  ['form-encoded', 'username=root&password=x&__proto__[admin]=1', 'application/x-www-form-urlencoded'],
  ['text/plain', 'username=root', 'text/plain'],
  ['bad content-type', '{"username":"root"}', 'application/json; charset=utf-999'],
];

const BODY_ENDPOINTS: Array<{ method: Method; path: string; cookie?: 'admin' | 'user' }> = [
  { method: 'post', path: '/auth/login' },
  { method: 'post', path: '/auth/password', cookie: 'user' },
  { method: 'put', path: '/consent' },
  { method: 'put', path: '/consent', cookie: 'user' },
];

const BAD_QUERIES = [
  'cursor=not-a-cursor',
  'cursor=' + 'A'.repeat(5000),
  'cursor=eyJfX3Byb3RvX18iOnsiYSI6MX19', // base64 of {"__proto__":{"a":1}}
  'from=yesterday&to=2026-13-45',
  'from=9999999999999999&to=-1',
  'limit=-1',
  'limit=1e9',
  'limit=NaN',
  'subjectType=robot&subjectId=%00',
  'category[__proto__]=x&action[]=grant&action[]=refuse',
  '__proto__[polluted]=1&constructor[prototype][x]=1',
  'format=xml',
  'subjectId=' + encodeURIComponent('\u0000\ud83d\ude00'.repeat(100)),
];

const GET_ENDPOINTS = [
  '/admin/consent/events',
  '/admin/consent/events/export',
  '/admin/consent/stats',
  '/admin/consent/verify',
  '/admin/audit',
];

const COOKIES: Array<[string, string]> = [
  ['forged session', 'sid=s%3Aforged-session-id.c2lnbmF0dXJl'],
  ['truncated session', 'sid=s%3A'],
  ['unsigned session', 'sid=abcdef'],
  ['garbage encoding', 'sid=%E0%A4%A; consent_visitor=%'],
  ['forged visitor', 'consent_visitor=v1.forged.signature'],
  ['huge visitor', `consent_visitor=${'x'.repeat(6000)}`],
  ['NUL in cookie', 'consent_visitor=a%00b; sid=s%3A%00.%00'],
  ['prototype cookie names', '__proto__=1; constructor=2; hasOwnProperty=3'],
];

function cases(): Case[] {
  const list: Case[] = [];
  for (const e of BODY_ENDPOINTS)
    for (const [name, body, type] of BODIES)
      list.push({
        name: `${e.method.toUpperCase()} ${e.path} ${e.cookie ?? ''} ${name}`,
        ...e,
        body,
        contentType: type ?? JSON_TYPE,
      });
  for (const path of GET_ENDPOINTS)
    for (const q of BAD_QUERIES)
      list.push({ name: `GET ${path}?${q.slice(0, 40)}`, method: 'get', path: `${path}?${q}`, cookie: 'admin' });
  for (const subject of [
    'robot/x',
    'user/%00',
    'visitor/' + 'z'.repeat(300),
    '__proto__/constructor',
    'user/..%2F..%2Fetc',
  ])
    list.push({
      name: `GET subject ${subject.slice(0, 30)}`,
      method: 'get',
      path: `/admin/consent/subjects/${subject}`,
      cookie: 'admin',
    });
  for (const handle of ['x', '%00', 'a'.repeat(500), '__proto__', '..%2F..'])
    list.push(
      {
        name: `DELETE session handle ${handle.slice(0, 20)}`,
        method: 'delete',
        path: `/auth/sessions/${handle}`,
        cookie: 'user',
      },
      {
        name: `DELETE admin session ${handle.slice(0, 20)}`,
        method: 'delete',
        path: `/admin/sessions/${handle}`,
        cookie: 'admin',
      },
    );
  for (const id of ['%00', '__proto__', 'not-a-uuid', 'a'.repeat(1000)])
    list.push({
      name: `GET admin user sessions ${id.slice(0, 20)}`,
      method: 'get',
      path: `/admin/users/${id}/sessions`,
      cookie: 'admin',
    });
  const everything: Array<[Method, string]> = [
    ['get', '/auth/me'],
    ['get', '/auth/sessions'],
    ['post', '/auth/logout'],
    ['delete', '/auth/sessions'],
    ['get', '/consent'],
    ['get', '/consent/config'],
    ['get', '/consent/history'],
    ['put', '/consent'],
    ['get', '/admin/consent/events'],
    ['get', '/health'],
  ];
  for (const [method, path] of everything)
    for (const [name, cookie] of COOKIES)
      list.push({
        name: `${method.toUpperCase()} ${path} cookie: ${name}`,
        method,
        path,
        cookie,
        body: method === 'put' ? '{"choice":"maybe","policyVersion":"1"}' : undefined,
        contentType: JSON_TYPE,
      });
  return list;
}

async function snapshot(): Promise<Record<string, number>> {
  const ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
  const counts: Record<string, number> = {};
  for (const table of ['users', 'consent_records', 'consent_events']) {
    const [row] = (await ds.query(`SELECT COUNT(*) AS n FROM "${tablePrefix}${table}"`)) as Array<{ n: string }>;
    counts[table] = Number(row.n);
  }
  // Sessions and their indexes (throttle counters for failed logins are intended state, so not counted).
  let keys = 0;
  for await (const batch of probe.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 }))
    keys += batch.filter((k) => !k.includes('throttle')).length;
  counts.redisKeys = keys;
  const polluted = {} as Record<string, unknown>;
  counts.polluted = ['admin', 'polluted', 'x', 'a', 'analytics', 'roles'].filter(
    (k) => polluted[k] !== undefined,
  ).length;
  return counts;
}

describe('hostile input on every endpoint: never a 5xx, never a state change', () => {
  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: fastArgon2({
          environment: 'test',
          redis: { url: REDIS_URL },
          database: { url: POSTGRES_URL, tablePrefix },
          session: { secret: TEST_SECRET, redisPrefix },
          consent: TEST_CONSENT,
        }),
        appPipeAndFilter: true,
        signIn: [ADMIN, NOT_ADMIN],
      })
    ).app;
    adminCookie = as(ADMIN)[1];
    userCookie = as(NOT_ADMIN)[1];
    probe = createClient({ url: REDIS_URL });
    await probe.connect();
  });

  afterAll(async () => {
    await app?.close();
    await probe?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, tablePrefix);
  });

  it('answers every hostile request with a JSON 4xx (or a harmless 2xx) and changes nothing', async () => {
    const before = await snapshot();
    const failures: string[] = [];
    const all = cases();
    for (const c of all) {
      let req = request(app.getHttpServer())[c.method](c.path);
      const cookie = c.cookie === 'admin' ? adminCookie : c.cookie === 'user' ? userCookie : c.cookie;
      if (cookie) req = req.set('Cookie', cookie);
      if (c.body !== undefined) req = req.set('Content-Type', c.contentType ?? JSON_TYPE).send(c.body);
      const res = await req;
      if (res.status >= 500) failures.push(`${c.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      else if (res.status >= 400 && (typeof res.body !== 'object' || res.body.statusCode !== res.status))
        failures.push(`${c.name}: ${res.status} without a JSON error body`);
      // A hostile body is never accepted as a decision, a login or a password change.
      else if (c.body !== undefined && res.status < 300) failures.push(`${c.name}: accepted with ${res.status}`);
    }
    expect(failures).toEqual([]);
    expect(all.length).toBeGreaterThan(150);
    // The signed-in users are still signed in, and nothing was written.
    await request(app.getHttpServer()).get('/auth/me').set('Cookie', userCookie).expect(200);
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(after.polluted).toBe(0);
  }, 60_000);

  it('limits the request body: 100 kB of JSON is refused with 413 and a JSON body', async () => {
    const res = await request(app.getHttpServer())
      .post('/auth/login')
      .set('Content-Type', JSON_TYPE)
      .send(big(150_000));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413 });
  });

  it('never lets a forged or truncated cookie read or write another subject', async () => {
    for (const [, cookie] of COOKIES) {
      const res = await request(app.getHttpServer()).get('/auth/me').set('Cookie', cookie);
      expect(res.status).toBe(401);
    }
  });
});
