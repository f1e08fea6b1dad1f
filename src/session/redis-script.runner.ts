import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';

const COMMAND_TIMEOUT_MS = 2000;

/**
 * Sends commands and Lua scripts (EVALSHA, falling back to EVAL once per script) with a time limit, so a
 * stalled Redis turns into a quick error (503) instead of a hung request.
 */
export class RedisScriptRunner {
  private readonly loaded = new Set<string>();

  constructor(private readonly client: RedisClientType) {}

  async command(args: string[]): Promise<unknown> {
    return this.bounded(this.client.sendCommand(args));
  }

  async script(source: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const sha = createHash('sha1').update(source).digest('hex');
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    if (this.loaded.has(sha)) {
      try {
        return await this.command(['EVALSHA', sha, ...tail]);
      } catch (err) {
        // The server lost its script cache (restart, SCRIPT FLUSH): send the source again.
        if (!String((err as Error)?.message).includes('NOSCRIPT')) throw err;
      }
    }
    const reply = await this.command(['EVAL', source, ...tail]);
    this.loaded.add(sha);
    return reply;
  }

  /** HGETALL as a plain object, whether the client speaks RESP2 (flat array) or RESP3 (map). */
  async hashGetAll(key: string): Promise<Record<string, string>> {
    const reply = await this.command(['HGETALL', key]);
    const out: Record<string, string> = {};
    if (Array.isArray(reply)) {
      for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
    } else if (reply instanceof Map) {
      for (const [k, v] of reply) out[String(k)] = String(v);
    } else if (reply && typeof reply === 'object') {
      for (const [k, v] of Object.entries(reply)) out[k] = String(v);
    }
    return out;
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Redis command timed out')), COMMAND_TIMEOUT_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
