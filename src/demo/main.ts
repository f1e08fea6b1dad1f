import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AuthConsentConfigError, resolveOptions } from '../index.js';
import { AppModule } from './app.module.js';
import { configureDemoApp } from './configure-app.js';
import { demoOptionsFromEnv } from './demo-config.js';

async function main(): Promise<void> {
  // A configuration mistake stops the app with one clear line, before Nest prints a stack trace.
  try {
    resolveOptions(demoOptionsFromEnv(process.env));
  } catch (err) {
    if (err instanceof AuthConsentConfigError || err instanceof Error) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await NestFactory.create(AppModule.forEnv(process.env), { abortOnError: false });
  configureDemoApp(app);
  const port = Number(process.env.PORT || 3000);
  await app.listen(port, process.env.HOST || '127.0.0.1');
  process.stdout.write(`Demo listening on http://localhost:${port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
