import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getAuthConsentOptionsToken, type ResolvedAuthConsentOptions } from '../index.js';

/** What main.ts adds on top of the module: the OpenAPI UI at /docs and the document at /docs-json. */
export function configureDemoApp(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-auth-consent demo')
    .setDescription('Login, server-side sessions and GDPR consent')
    // The module's operations that need a session name this scheme (@ApiCookieAuth(): 'cookie').
    .addCookieAuth(app.get<ResolvedAuthConsentOptions>(getAuthConsentOptionsToken()).session.cookieName)
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
}
