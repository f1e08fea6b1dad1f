import type { Provider } from '@nestjs/common';
import type { RedisClientType } from 'redis';
import { AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { MemorySessionBackend } from './memory-session.backend.js';
import { RedisScriptRunner } from './redis-script.runner.js';
import { RedisSessionBackend } from './redis-session.backend.js';
import { SessionBackend } from './session-backend.js';

/** Redis when configured, otherwise the in-process backend with the same behaviour (development). */
export const sessionBackendProvider: Provider = {
  provide: SessionBackend,
  inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS, Clock],
  useFactory: (options: ResolvedAuthConsentOptions, client: RedisClientType | null, clock: Clock): SessionBackend =>
    client ? new RedisSessionBackend(new RedisScriptRunner(client), options.session.redisPrefix, clock) : new MemorySessionBackend(clock),
};
