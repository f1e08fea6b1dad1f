// A library app as its own Node.js process, for specs that need real separate instances (two-instances,
// scale-out, migrations-concurrency): AuthConsentModule.forRoot from the built package (dist/, `npm test` builds
// it first), the app's validation pipe and exception filter, GET /demo/track (tracking-fixture.ts's
// TrackController) and Nest's shutdown hooks. Plain JavaScript so it runs without a build step of its own.
//
//   LIBRARY_APP_OPTIONS  the forRoot options as JSON (a spec builds them with trackingOptions())
//   LIBRARY_APP_USERS    optional JSON [{ "username", "password", "roles"? }] created at start when missing
//   PORT, HOST           where to listen; prints "Library app listening on <url>" once it does
import 'reflect-metadata';
import { Controller, Get, Res } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, NestFactory } from '@nestjs/core';
import {
  AuthConsentExceptionFilter,
  AuthConsentModule,
  AuthService,
  createAuthConsentValidationPipe,
} from '../../dist/src/index.js';

/* global process */

class TrackController {
  track(res) {
    res.cookie('demo_theme', 'dark', { path: '/', sameSite: 'lax', maxAge: 365 * 86_400_000 });
    const prior = res.getHeader('Set-Cookie');
    const lines = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    res.setHeader('Set-Cookie', [...lines, 'demo_analytics=a1; Path=/; Max-Age=31536000; SameSite=Lax']);
    res.append('Set-Cookie', 'demo_ads=x1; Path=/; Max-Age=7776000; SameSite=Lax');
    return { tried: ['demo_theme', 'demo_analytics', 'demo_ads'] };
  }
}
Res({ passthrough: true })(TrackController.prototype, 'track', 0);
Get('track')(TrackController.prototype, 'track', Object.getOwnPropertyDescriptor(TrackController.prototype, 'track'));
Controller('demo')(TrackController);

class LibraryServerModule {}

async function main() {
  const options = JSON.parse(process.env.LIBRARY_APP_OPTIONS ?? '{}');
  const root = {
    module: LibraryServerModule,
    imports: [AuthConsentModule.forRoot(options)],
    controllers: [TrackController],
    providers: [
      { provide: APP_PIPE, useFactory: createAuthConsentValidationPipe },
      { provide: APP_FILTER, useClass: AuthConsentExceptionFilter },
    ],
  };
  const app = await NestFactory.create(root, { logger: ['error', 'warn'], abortOnError: false });
  app.enableShutdownHooks();
  const auth = app.get(AuthService);
  for (const user of JSON.parse(process.env.LIBRARY_APP_USERS ?? '[]')) {
    if (!(await auth.findByUsername(user.username)))
      await auth.createUser(user.username, user.password, user.roles ?? []);
  }
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || '127.0.0.1';
  await app.listen(port, host);
  process.stdout.write(`Library app listening on http://${host}:${port}\n`);
}

main().catch((err) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
