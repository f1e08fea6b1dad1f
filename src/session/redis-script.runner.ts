import { createHash } from 'node:crypto';
import type { RedisClientType, RedisClusterType, RedisSentinelType } from 'redis';

const COMMAND_TIMEOUT_MS = 2000;
/** How long a write may wait for its replicas (inside the command deadline). */
const WAIT_TIMEOUT_MS = 1000;
const SWEEP_EVERY_MS = 250;
/** After a WAIT on a node came back short, how long writes there fail at once instead of sending WAIT. */
const SHORT_WAIT_COOLDOWN_MS = 2000;
/** A cluster's slot map is read again at most this often after commands time out. */
const SLOT_REFRESH_EVERY_MS = 1000;

/**
 * A node-redis client the module works with: a single node (`createClient`), a Redis Cluster
 * (`createCluster`) or a primary found through Redis Sentinel (`createSentinel`).
 */
export type ModuleRedisClient = RedisClientType | RedisClusterType | RedisSentinelType;

export function isRedisCluster(client: ModuleRedisClient): client is RedisClusterType {
  return 'masters' in client;
}

export function isRedisSentinel(client: ModuleRedisClient): client is RedisSentinelType {
  return 'getSentinelNode' in client;
}

/** Sends one command through any of them: a cluster routes it by `key`, Sentinel to the current primary. */
export function commandSender(
  client: ModuleRedisClient,
): (key: string | undefined, args: string[]) => Promise<unknown> {
  if (isRedisCluster(client)) return (key, args) => client.sendCommand(key, false, args);
  if (isRedisSentinel(client)) return (_key, args) => client.sendCommand(false, args);
  return (_key, args) => client.sendCommand(args);
}

const slotRefreshes = new WeakMap<RedisClusterType, { at: number; running: boolean }>();

/**
 * Reads a cluster's slot map again after a command timed out. A frozen master (SIGSTOP, a hung host) keeps
 * its connection open and, with commands still written to it, never looks idle: node-redis would neither
 * reconnect nor look for the replica that took over. At most once a second; the node that timed out is not
 * asked. `_slots.rediscover` is node-redis's own refresh (MOVED, reconnects), not offered otherwise.
 */
function refreshSlots(cluster: RedisClusterType, keys: Set<string>): void {
  let state = slotRefreshes.get(cluster);
  if (!state) slotRefreshes.set(cluster, (state = { at: 0, running: false }));
  if (state.running || Date.now() - state.at < SLOT_REFRESH_EVERY_MS) return;
  state.running = true;
  state.at = Date.now();
  const done = () => {
    state.running = false;
  };
  suspects(cluster, keys)
    .then((excluded) => cluster._slots.rediscover(undefined, excluded))
    .then(done, done);
}

/** The addresses of the masters of `keys` that node-redis has a client for at hand. */
async function suspects(cluster: RedisClusterType, keys: Set<string>): Promise<Set<string>> {
  const atHand = async (key: string) =>
    Promise.race([
      cluster.getNodeClientForKey(key),
      new Promise<undefined>((resolve) => setTimeout(resolve, 200, undefined).unref()),
    ]);
  const nodes = await Promise.all([...keys].map((key) => atHand(key).catch(() => undefined)));
  return new Set(
    cluster.masters.filter((master) => master.client && nodes.includes(master.client)).map((master) => master.address),
  );
}

interface Pending {
  deadline: number;
  /** The key the command touches, if known: on a cluster, its node is not asked for the slot map. */
  key?: string;
  reject: (err: Error) => void;
}

/** The WAITs of one node: the one on the wire, and the next, shared by the writes finished meanwhile. */
interface NodeWaits {
  inFlight?: Promise<number>;
  next?: Promise<number>;
  /** Until when WAIT is skipped on this node (a WAIT there came back short). */
  shortUntil: number;
}

/**
 * Sends commands and Lua scripts (EVALSHA, falling back to EVAL once per script) with a time limit, so a
 * stalled Redis turns into a quick error (503) instead of a hung request. The limit is kept by one sweeping
 * timer for all commands in flight rather than a timer per command: on the signed-in read path a timer
 * per command cost more CPU than the rest of the session layer.
 */
export class RedisScriptRunner {
  private readonly loaded = new Set<string>();
  private readonly pending = new Set<Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly send: (key: string | undefined, args: string[]) => Promise<unknown>;
  private readonly waits = new WeakMap<object, NodeWaits>();

  /** `waitForReplicas`: see {@link replicated}. */
  constructor(
    private readonly client: ModuleRedisClient,
    private readonly waitForReplicas = 0,
  ) {
    // A cluster client routes each command by the key it names (every script's keys share one slot).
    this.send = commandSender(client);
  }

  /** `key`: the key the command touches (it routes the command on a cluster). */
  command(args: string[], key: string | undefined = args[1]): Promise<unknown> {
    return this.bound(this.send(key, args), key);
  }

  /**
   * Resolves once `waitForReplicas` replicas have the writes made so far on `key`'s node (`WAIT`, sent after
   * the write, never inside a script); rejects when they do not in time, so the write is not acknowledged.
   *
   * WAIT blocks the connection it is sent on, and all queued behind it: with no replica left (a promoted
   * master) a WAIT per sign-in kept that connection blocked and every request on the node timed out. So a
   * node has one WAIT on the wire at most (the writes finished meanwhile share the next: WAIT covers every
   * earlier write on its connection), and once one came back short, writes there fail at once for a while.
   */
  async replicated(key: string): Promise<void> {
    if (this.waitForReplicas === 0) return;
    const node = await this.nodeOf(key);
    let waits = this.waits.get(node.id);
    if (!waits) this.waits.set(node.id, (waits = { shortUntil: 0 }));
    if (waits.shortUntil > Date.now())
      throw new Error(`Redis write not confirmed: its node lately had fewer than ${this.waitForReplicas} replicas`);
    const acked = await this.sharedWait(waits, node.send);
    if (acked < this.waitForReplicas)
      throw new Error(`Redis write reached ${acked} of ${this.waitForReplicas} replicas in time`);
  }

  /** The connection `key`'s writes went to, and how to send it a command. */
  private async nodeOf(key: string): Promise<{ id: object; send: (args: string[]) => Promise<unknown> }> {
    // Not cluster.sendCommand: WAIT is keyless, so the cluster client sends it to every master (its command
    // policy) and answers the lowest count; one master without a replica failed every sign-in.
    if (isRedisCluster(this.client)) {
      const node = await this.bound(this.client.getNodeClientForKey(key), key);
      return { id: node, send: (args) => node.sendCommand(args) };
    }
    return { id: this.client, send: (args) => this.send(undefined, args) };
  }

  private sharedWait(waits: NodeWaits, send: (args: string[]) => Promise<unknown>): Promise<number> {
    if (!waits.inFlight) return this.startWait(waits, send);
    const next = () => this.startWait(waits, send);
    waits.next ??= waits.inFlight.then(next, next);
    return waits.next;
  }

  private startWait(waits: NodeWaits, send: (args: string[]) => Promise<unknown>): Promise<number> {
    waits.next = undefined;
    const short = () => (waits.shortUntil = Math.max(waits.shortUntil, Date.now() + SHORT_WAIT_COOLDOWN_MS));
    // The writes that queued behind a WAIT that came back short fail without sending another.
    const wait =
      waits.shortUntil > Date.now()
        ? Promise.resolve(0)
        : this.bound(send(['WAIT', String(this.waitForReplicas), String(WAIT_TIMEOUT_MS)])).then(Number);
    const inFlight = wait.then(
      (acked) => {
        if (acked < this.waitForReplicas) short();
        return acked;
      },
      (err: unknown) => {
        short();
        throw err;
      },
    );
    waits.inFlight = inFlight;
    const done = () => {
      if (waits.inFlight === inFlight) waits.inFlight = undefined;
    };
    inFlight.then(done, done);
    return inFlight;
  }

  /**
   * The reply of a command already sent, or an error once the command's time is up (on a cluster the slot
   * map is then read again). `key`: the key it touches.
   */
  bound<T>(reply: Promise<T>, key?: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { deadline: Date.now() + COMMAND_TIMEOUT_MS, reject, key };
      this.pending.add(entry);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_EVERY_MS).unref();
      reply.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(entry);
          reject(err);
        },
      );
    });
  }

  async script(source: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const sha = createHash('sha1').update(source).digest('hex');
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    if (this.loaded.has(sha)) {
      try {
        return await this.command(['EVALSHA', sha, ...tail], keys[0]);
      } catch (err) {
        // The server lost its script cache (restart, SCRIPT FLUSH): send the source again.
        if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      }
    }
    const reply = await this.command(['EVAL', source, ...tail], keys[0]);
    this.loaded.add(sha);
    return reply;
  }

  /** Fails the commands past their deadline (a late reply is then ignored); stops while nothing is in flight. */
  private sweep(): void {
    const now = Date.now();
    const keys = new Set<string>();
    for (const entry of this.pending) {
      if (entry.deadline > now) continue;
      this.pending.delete(entry);
      entry.reject(new Error('Redis command timed out'));
      if (entry.key !== undefined && keys.size < 8) keys.add(entry.key);
    }
    if (keys.size > 0 && isRedisCluster(this.client)) refreshSlots(this.client, keys);
    if (this.pending.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
