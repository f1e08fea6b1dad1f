import type { Provider } from '@nestjs/common';
import { AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { RedisScriptRunner, type ModuleRedisClient } from '../session/redis-script.runner.js';
import { MemoryThrottleBackend } from './memory-throttle.backend.js';
import { RedisThrottleBackend } from './redis-throttle.backend.js';
import { ThrottleBackend } from './throttle.backend.js';

/** Throttle counters in Redis (shared by all instances) or, without Redis, in process memory. */
export const throttleBackendProvider: Provider = {
  provide: ThrottleBackend,
  inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS, Clock],
  useFactory: (options: ResolvedAuthConsentOptions, client: ModuleRedisClient | null, clock: Clock): ThrottleBackend =>
    client
      ? new RedisThrottleBackend(new RedisScriptRunner(client), options.session.redisPrefix, clock)
      : new MemoryThrottleBackend(clock),
};
