import { DataSource } from 'typeorm';
import { connectionOptionsFromUrl } from '../index.js';
import { DEFAULT_DATABASE_URL } from '../database/database-url.js';
import type { DemoEnv } from './demo-config.js';

/** A boot failure that is the configuration's fault: main.ts prints its message alone, without a stack. */
export class DemoSettingError extends Error {}

/** The URL with its password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}

/**
 * Opens and closes one connection to DATABASE_URL before Nest boots, so that an unreachable or refused
 * database stops the demo with one sentence naming the setting and the driver's reason, rather than the
 * driver's stack trace printed by Nest's exception handler.
 */
export async function checkDatabaseUrl(env: DemoEnv): Promise<void> {
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const dataSource = new DataSource({ ...connectionOptionsFromUrl(url), entities: [], migrations: [] });
  try {
    await dataSource.initialize();
  } catch (err) {
    throw new DemoSettingError(
      `DATABASE_URL (${env.DATABASE_URL ? redactUrl(url) : `unset: ${url}`}) cannot be used: ${reason(err)}`,
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/** The driver's reason on one line (pg's AggregateError of several addresses has an empty message). */
function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const parts =
    err instanceof AggregateError && !err.message
      ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      : [err.message];
  const code = (err as { code?: unknown }).code;
  const text = parts.filter(Boolean).join('; ') || (typeof code === 'string' ? code : err.name);
  return text.replace(/\s*\n\s*/g, ' ');
}
