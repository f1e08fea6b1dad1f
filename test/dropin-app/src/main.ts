import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3200);
await app.listen(port, '127.0.0.1');
process.stdout.write(`dropin listening on ${port}\n`);
