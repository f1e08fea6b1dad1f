import { afterEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { AuthService, type ResolvedAuthConsentOptions } from '../src/index.js';
import { AUTH_CONSENT_OPTIONS } from '../src/auth-consent.constants.js';
import type { AuthConsentRoutes } from '../src/routes/routes.options.js';
import { cookieHeaderOf } from './support/cookie-jar.js';
import { bootLibraryApp } from './support/library-app.js';
import { TEST_CONSENT, TEST_SECRET } from './support/services.js';
import { CONSENT_BODY_FIELDS } from '../src/consent/consent-body.js';

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, unknown>;
  items?: Schema;
  oneOf?: Schema[];
  additionalProperties?: unknown;
};
type Media = Record<string, { schema?: Schema }>;
type Operation = {
  operationId?: string;
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content?: Media };
  responses: Record<string, { content?: Media }>;
  security?: Array<Record<string, unknown>>;
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema>; securitySchemes?: Record<string, Record<string, unknown>> };
};

/** Operations that cannot fail once the app is up: nothing to read that may be down, no input. */
const NO_ERROR_ANSWER = new Set(['GET {consent}/config', 'GET {banner}/banner.js']);
/** Operations that take a JSON body. */
const WITH_BODY = new Set(['POST {auth}/login', 'POST {auth}/password', 'PUT {consent}']);
const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);

let app: INestApplication | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function boot(
  routes?: AuthConsentRoutes,
): Promise<{ http: ReturnType<INestApplication['getHttpServer']>; doc: Doc }> {
  app = (
    await bootLibraryApp({
      options: {
        environment: 'test',
        database: { url: 'sqlite::memory:' },
        session: { secret: TEST_SECRET },
        consent: TEST_CONSENT,
        routes,
      },
      beforeInit: (created) => {
        const cookieName = created.get<ResolvedAuthConsentOptions>(AUTH_CONSENT_OPTIONS).session.cookieName;
        const config = new DocumentBuilder().setTitle('openapi test').addCookieAuth(cookieName).build();
        SwaggerModule.setup('docs', created, () => SwaggerModule.createDocument(created, config), {
          jsonDocumentUrl: 'docs-json',
        });
      },
    })
  ).app;
  await app.get(AuthService).createUser('root', 'a long enough passphrase', ['admin']);
  const http = app.getHttpServer();
  return { http, doc: (await request(http).get('/docs-json').expect(200)).body as Doc };
}

function resolve(doc: Doc, schema: Schema | undefined): Schema | undefined {
  if (schema?.$ref) return doc.components.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  return schema;
}

/** A schema that says something: an object with properties or a map, an array of such, a string, a number. */
function describes(doc: Doc, schema: Schema | undefined): boolean {
  const s = resolve(doc, schema);
  if (!s) return false;
  if (s.type === 'array') return describes(doc, s.items);
  if (s.oneOf) return s.oneOf.every((o) => describes(doc, o));
  if (s.type === 'object' || s.properties)
    return Object.keys(s.properties ?? {}).length > 0 || s.additionalProperties !== undefined;
  return typeof s.type === 'string';
}

/** The operation's keys with the group prefix named ('POST {auth}/login'), one per group mounted where it is. */
function keysOf(method: string, path: string, routes: Record<string, string>): string[] {
  return Object.entries(routes)
    .filter(([, p]) => path === p || path.startsWith(`${p}/`))
    .map(([group, prefix]) => `${method.toUpperCase()} {${group}}${path.slice(prefix.length)}`);
}

/** Walks every operation of the document and returns what is missing, one line each. */
async function problems(
  doc: Doc,
  http: ReturnType<INestApplication['getHttpServer']>,
  routes: Record<string, string>,
): Promise<string[]> {
  const found: string[] = [];
  const login = await request(http)
    .post(`${routes.auth}/login`)
    .send({ username: 'root', password: 'a long enough passphrase' })
    .expect(200);
  const cookie = cookieHeaderOf(login);
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const keys = keysOf(method, path, routes);
      const say = (what: string) => found.push(`${method.toUpperCase()} ${path}: ${what}`);
      const entries = Object.entries(op.responses ?? {});
      const ok = entries.filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) say('no 2xx response');
      for (const [status, res] of ok) {
        const media = Object.entries(res.content ?? {});
        if (status === '204') {
          if (media.length) say('a 204 with a body');
        } else if (media.length === 0 || media.some(([, m]) => !describes(doc, m.schema)))
          say(`${status} without a response schema`);
      }
      const errors = entries.filter(([status]) => /^[45]\d\d$/.test(status));
      if (errors.length === 0 && !keys.some((k) => NO_ERROR_ANSWER.has(k))) say('no error response documented');
      for (const [status, res] of errors)
        if (!describes(doc, res.content?.['application/json']?.schema)) say(`${status} without the error schema`);
      const needsSession = (op.security ?? []).some((s) => 'cookie' in s);
      if (needsSession && !op.responses['401']) say('guarded by the session but no 401');
      if (UNSAFE.has(method) && !op.responses['403']) say('an unsafe method without the CSRF 403');
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === name)) say(`path parameter ${name} undocumented`);
      }
      if (/\{\w+\}/.test(path) && !op.responses['400'] && !op.responses['404'])
        say('path parameters but neither 400 nor 404');
      if (keys.some((k) => WITH_BODY.has(k)) && !op.requestBody) say('no request body');
      if (op.requestBody) {
        const schema = op.requestBody.content?.['application/json']?.schema;
        if (!describes(doc, schema) || Object.keys(resolve(doc, schema)?.properties ?? {}).length === 0)
          say('a request body without properties');
        if (!op.responses['400']) say('a request body but no 400');
      }
      // Query parameters: every one the route's pipe accepts, which it names when refusing an unknown one.
      const documented = (op.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name)
        .sort();
      if (method === 'get') {
        const concrete = path.replace(/\{subjectType\}/g, 'visitor').replace(/\{\w+\}/g, 'x');
        const probe = await request(http).get(`${concrete}?zz_unknown=1`).set('Cookie', cookie);
        const allowed = probe.status === 400 ? /allowed: ([^.]*)\./.exec(String(probe.body.message))?.[1] : undefined;
        const accepted = allowed ? allowed.split(', ').sort() : [];
        if (JSON.stringify(accepted) !== JSON.stringify(documented))
          say(`query parameters documented ${JSON.stringify(documented)}, accepted ${JSON.stringify(accepted)}`);
        if (accepted.length && !op.responses['400']) say('query parameters but no 400');
      } else if (documented.length) say('query parameters on an unsafe method');
    }
  }
  return found;
}

const DEFAULTS = { auth: '/auth', consent: '/consent', banner: '/consent', health: '/health', admin: '/admin' };

describe('the OpenAPI document (/docs-json)', () => {
  it('documents every operation: schemas of bodies, queries and answers, error answers, the cookie scheme', async () => {
    const { http, doc } = await boot();
    expect(doc.components.securitySchemes?.cookie).toEqual({ type: 'apiKey', in: 'cookie', name: 'sid' });
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(15);
    const login = doc.paths['/auth/login'].post;
    expect(resolve(doc, login.requestBody?.content?.['application/json']?.schema)?.properties).toEqual(
      expect.objectContaining({
        username: expect.anything(),
        password: expect.anything(),
        remember: expect.anything(),
      }),
    );
    // Every field PUT /consent accepts is documented, and nothing else.
    const decision =
      resolve(doc, doc.paths['/consent'].put.requestBody?.content?.['application/json']?.schema)?.properties ?? {};
    expect(Object.keys(decision).sort()).toEqual([...CONSENT_BODY_FIELDS].sort());
    expect(doc.paths['/admin/consent/events'].get.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['subjectType', 'limit', 'cursor', 'order']),
    );
    expect(doc.paths['/auth/me'].get.security).toEqual([{ cookie: [] }]);
    expect(await problems(doc, http, DEFAULTS)).toEqual([]);
  });

  it('shows moved routes at their paths, and none of a group that is off', async () => {
    const routes = {
      auth: '/api/auth',
      consent: '/api/consent',
      banner: '/cmp',
      health: false as const,
      admin: '/ops',
    };
    const { http, doc } = await boot(routes);
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/auth/me',
        '/api/consent',
        '/api/consent/config',
        '/cmp/banner.js',
        '/ops/audit',
        '/ops/consent/events',
        '/ops/users/{userId}/sessions',
      ]),
    );
    expect(paths.filter((p) => !/^\/(api\/auth|api\/consent|cmp|ops)(\/|$)/.test(p))).toEqual([]);
    expect(
      await problems(doc, http, {
        auth: routes.auth,
        consent: routes.consent,
        banner: routes.banner,
        admin: routes.admin,
      }),
    ).toEqual([]);
  });
});
