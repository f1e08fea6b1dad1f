import 'reflect-metadata';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AuthConsentConfigError } from '../index.js';
import { resolveOptions } from '../auth-consent.options.js';
import { resolveRoutes } from '../routes/routes.options.js';
import { AppModule } from './app.module.js';
import { configureDemoApp } from './configure-app.js';
import { checkDatabaseUrl, DemoSettingError } from './database-check.js';
import { createFirstStartAccounts, formatFirstStartAccounts } from './demo-accounts.js';
import { demoRouteExtrasFromEnv, demoEnvFrom, demoOptionsFromEnv } from './demo-config.js';

async function main(): Promise<void> {
  // @nestjs/config reads .env in the working directory; a variable set in the environment wins over it.
  const config = await ConfigModule.forRoot({ isGlobal: true });
  const env = demoEnvFrom(new ConfigService());
  // A configuration mistake stops the app with one clear line, before Nest prints a stack trace.
  try {
    resolveOptions(demoOptionsFromEnv(env));
    resolveRoutes(demoRouteExtrasFromEnv(env));
    await checkDatabaseUrl(env);
  } catch (err) {
    if (err instanceof AuthConsentConfigError || err instanceof DemoSettingError || err instanceof Error) {
      // The module names its option (database.url); the demo's user set an environment variable.
      const setting = /^database\.url\b/.test(err.message) ? 'DATABASE_URL: ' : '';
      process.stderr.write(`Configuration error: ${setting}${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await NestFactory.create(AppModule.forEnv(env, config), { abortOnError: false });
  configureDemoApp(app);
  const settings = app.get(ConfigService);
  const port = Number(settings.get<string>('PORT') || 3000);
  await app.listen(port, settings.get<string>('HOST') || '127.0.0.1');
  process.stdout.write(`Demo listening on http://localhost:${port}\n`);
  const accounts = await createFirstStartAccounts(app, env);
  // Straight to the terminal, never through the logger (log collectors keep what the logger writes).
  if (accounts.length) process.stdout.write(formatFirstStartAccounts(accounts, `http://localhost:${port}`));
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
