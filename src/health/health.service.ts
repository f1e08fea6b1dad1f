import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { AUTH_CONSENT_DATA_SOURCE, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import { commandSender, type ModuleRedisClient } from '../session/redis-script.runner.js';

const PROBE_TIMEOUT_MS = 1000;

export interface HealthReport {
  status: 'ok' | 'error';
  /** `in-process` when no Redis is configured (development). */
  redis: 'up' | 'down' | 'in-process';
  database: 'up' | 'down';
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Probes Redis and the database for real (PING, SELECT 1), each bounded in time. */
@Injectable()
export class HealthService {
  constructor(
    @Inject(AUTH_CONSENT_REDIS) private readonly redis: ModuleRedisClient | null,
    @Inject(AUTH_CONSENT_DATA_SOURCE) private readonly dataSource: DataSource,
  ) {}

  async check(): Promise<HealthReport> {
    const [redis, database] = await Promise.all([this.probeRedis(), this.probeDatabase()]);
    const ok = redis !== 'down' && database === 'up';
    return { status: ok ? 'ok' : 'error', redis, database };
  }

  private async probeRedis(): Promise<HealthReport['redis']> {
    if (!this.redis) return 'in-process';
    try {
      // On a cluster any node answers; each node's own state shows in the 503s of the calls that need it.
      await within(commandSender(this.redis)(undefined, ['PING']), PROBE_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }

  private async probeDatabase(): Promise<HealthReport['database']> {
    try {
      await within(this.dataSource.query('SELECT 1'), PROBE_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }
}
