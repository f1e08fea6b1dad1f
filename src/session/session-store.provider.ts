import type { Provider } from '@nestjs/common';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import type { RedisClientType } from 'redis';
import { AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';

/** Internal token of the express-session store: Redis, or process memory in development. */
export const SESSION_STORE = Symbol('SESSION_STORE');

export const sessionStoreProvider: Provider = {
  provide: SESSION_STORE,
  inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS],
  useFactory: (options: ResolvedAuthConsentOptions, client: RedisClientType | null): session.Store =>
    client
      ? new RedisStore({ client, prefix: `${options.session.redisPrefix}sess:`, ttl: Math.ceil(options.session.idleTimeoutMs / 1000) })
      : new session.MemoryStore(),
};
