import { Inject, Injectable, Logger, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { createClient, createCluster, createSentinel } from 'redis';
import type { ModuleRedisClient } from './redis-script.runner.js';
import { AUTH_CONSENT_OPTIONS, AUTH_CONSENT_REDIS } from '../auth-consent.constants.js';
import type { RedisConnection, ResolvedAuthConsentOptions } from '../auth-consent.options.js';

const CONNECT_WAIT_MS = 5000;
const PING_INTERVAL_MS = 5000;
const SOCKET_SILENCE_MS = 15_000;
/** While a cluster node reconnects, the slot map is read again at most this often (node-redis's default: 5 s). */
const CLUSTER_REFRESH_MS = 1000;
const logger = new Logger('AuthConsentRedis');

/** Internal: records whether the module created the client, so it closes only what it opened. */
export const REDIS_OWNED = Symbol('REDIS_OWNED');

/** What every connection the module opens gets (one node, each cluster node, the Sentinel-chosen primary). */
const NODE_OPTIONS = {
  // Fail fast while Redis is down instead of queueing: callers answer 503 rather than hang.
  disableOfflineQueue: true,
  // The module bounds every command itself (RedisScriptRunner); node-redis's own limit is a timer per command.
  commandOptions: { timeout: 0 },
  // A PING every 5 s keeps a healthy connection busy, so a connection silent for 15 s has lost its server
  // (frozen, or half-open: the host vanished without a reset) and is closed and reopened rather than left to
  // TCP's retransmission timeout of many minutes. TCP keepalive probes an idle one after 10 s.
  pingInterval: PING_INTERVAL_MS,
  socket: {
    connectTimeout: 2000,
    socketTimeout: SOCKET_SILENCE_MS,
    keepAlive: true,
    keepAliveInitialDelay: 10_000,
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
  },
};

function hostPort(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(':');
  return { host: node.slice(0, at), port: Number(node.slice(at + 1)) };
}

/** A client the module opens (and closes) from the `redis` option: one node, a Cluster, or through Sentinel. */
function ownedClient(redis: Exclude<RedisConnection, { client: unknown }>): ModuleRedisClient {
  if ('clusterNodes' in redis) {
    // A killed master's replica takes over within about cluster-node-timeout + 1 s: find it soon after.
    const rootNodes = redis.clusterNodes.map((node) => ({ url: `redis://${node}` }));
    return createCluster({
      rootNodes,
      defaults: NODE_OPTIONS,
      topologyRefreshOnReconnectionAttemptStrategy: CLUSTER_REFRESH_MS,
    }) as ModuleRedisClient;
  }
  if ('sentinels' in redis) {
    return createSentinel({
      name: redis.sentinelName,
      sentinelRootNodes: redis.sentinels.map(hostPort),
      nodeClientOptions: NODE_OPTIONS,
    }) as unknown as ModuleRedisClient;
  }
  return createClient({ url: redis.url, ...NODE_OPTIONS }) as ModuleRedisClient;
}

async function connectOwnedClient(redis: Exclude<RedisConnection, { client: unknown }>): Promise<ModuleRedisClient> {
  const client = ownedClient(redis);
  let down = false;
  client.on('error', (err: Error) => {
    if (!down) logger.error(`Redis unavailable: ${err.message}`);
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.log('Redis connection restored');
    down = false;
  });
  // A Redis outage at boot must not stop the app: it answers 503 until the client reconnects by itself.
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  const timeout = new Promise<false>((resolve) => setTimeout(resolve, CONNECT_WAIT_MS, false).unref());
  if (!(await Promise.race([connected, timeout])))
    logger.warn('Redis not reachable at start; retrying in the background.');
  return client;
}

export const redisClientProviders: Provider[] = [
  {
    provide: REDIS_OWNED,
    inject: [AUTH_CONSENT_OPTIONS],
    useFactory: (options: ResolvedAuthConsentOptions) => options.redis !== undefined && !('client' in options.redis),
  },
  {
    provide: AUTH_CONSENT_REDIS,
    inject: [AUTH_CONSENT_OPTIONS],
    useFactory: async (options: ResolvedAuthConsentOptions): Promise<ModuleRedisClient | null> => {
      if (!options.redis) return null;
      return 'client' in options.redis ? options.redis.client : connectOwnedClient(options.redis);
    },
  },
];

/** Closes the Redis client on shutdown when the module opened it. */
@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(AUTH_CONSENT_REDIS) private readonly client: ModuleRedisClient | null,
    @Inject(REDIS_OWNED) private readonly owned: boolean,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.client || !this.owned) return;
    // destroy() also stops a reconnect loop that close() would wait on.
    if (this.client.isReady) await this.client.close().catch(() => this.client?.destroy());
    else this.client.destroy();
  }
}
