import type { Provider } from '@nestjs/common';
import type { Store } from 'express-session';
import { AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { MemorySessionStore } from './memory-session.store.js';
import { RedisScriptRunner, type ModuleRedisClient } from './redis-script.runner.js';
import { RedisSessionStore } from './redis-session.store.js';
import { SessionBackend } from './session.backend.js';
import { UserTags } from './session-id.js';

/** Internal token: the express-session store the module mounts (the same object as its SessionBackend). */
export const SESSION_STORE = Symbol('AUTH_CONSENT_SESSION_STORE');

/** Deletes a session of the legacy (connect-redis) layout once it is moved; Redis only. */
export type ModuleSessionStore = Store & SessionBackend & { destroyLegacy?(sid: string): Promise<void> };

export const sessionStoreProviders: Provider[] = [
  {
    provide: UserTags,
    inject: [AUTH_CONSENT_OPTIONS],
    // The oldest secret keys the tags: new secrets go first (they sign), so rotation leaves tags alone.
    useFactory: (options: ResolvedAuthConsentOptions) =>
      new UserTags(options.session.secrets[options.session.secrets.length - 1]),
  },
  {
    provide: SessionBackend,
    inject: [AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS, Clock, UserTags],
    // connect-redis's store when Redis is configured, otherwise the in-process store with the same behaviour.
    useFactory: (
      options: ResolvedAuthConsentOptions,
      client: ModuleRedisClient | null,
      clock: Clock,
      tags: UserTags,
    ): ModuleSessionStore =>
      client
        ? new RedisSessionStore(
            client,
            new RedisScriptRunner(client, options.redis?.waitForReplicas),
            options,
            clock,
            tags,
          )
        : new MemorySessionStore(clock, options, tags),
  },
  { provide: SESSION_STORE, useExisting: SessionBackend },
];
