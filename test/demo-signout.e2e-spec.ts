import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService } from '../src/index.js';
import { setCookies } from './support/cookie-jar.js';
import { bootDemo } from './support/demo-app.js';
import { AUDIT_SECRET } from './support/tracking-fixture.js';
import {
  deleteRedisPrefix,
  dropPrefixedTables,
  POSTGRES_URL,
  REDIS_URL,
  TEST_SECRET,
  uniquePrefix,
} from './support/services.js';

/**
 * Issue 15 item 2 on the demo itself: a withdrawal made while signed in is not undone on that browser by signing
 * out (consent-signout.e2e-spec.ts covers the library app with every sign-in and sign-out path).
 */

const PASSWORD = 'correct horse battery';
const OPTIONAL = ['demo_ads', 'demo_analytics', 'demo_theme'];
type Agent = ReturnType<typeof request.agent>;

async function grantAll(browser: Agent): Promise<void> {
  await browser.put('/consent').send({ choice: 'accept-all', policyVersion: '1' }).expect(200);
  // The visitor's grant works before anything else happens (the baseline the attack starts from).
  expect(setCookies(await browser.get('/demo/track').expect(200)).set).toEqual(OPTIONAL);
}

/** What GET /demo/track manages to set on this browser: the cookies the gate let through. */
async function tracked(browser: Agent): Promise<string[]> {
  return setCookies(await browser.get('/demo/track').expect(200)).set;
}

describe('signing out leaves the browser no grant the user withdrew (the demo app)', () => {
  const prefix = uniquePrefix('csod');
  const redisPrefix = `${prefix}r:`;
  let app: INestApplication;

  beforeAll(async () => {
    app = await bootDemo({
      DATABASE_URL: POSTGRES_URL,
      TABLE_PREFIX: prefix,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      SESSION_SECRET: TEST_SECRET,
      CONSENT_AUDIT_SECRET: AUDIT_SECRET,
    });
    await app.get(AuthService).createUser('demo-user', PASSWORD);
  });

  afterAll(async () => {
    await app?.close();
    await deleteRedisPrefix(redisPrefix);
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('grant as visitor → log in → DELETE /consent → log out: /demo/track sets no non-essential cookie', async () => {
    const laptop = request.agent(app.getHttpServer());
    await grantAll(laptop);
    await laptop.post('/auth/login').send({ username: 'demo-user', password: PASSWORD }).expect(200);
    await laptop.delete('/consent').expect(200);
    await laptop.post('/auth/logout').expect(204);
    await laptop.get('/auth/me').expect(401);
    expect(await tracked(laptop)).toEqual([]);
  });
});
