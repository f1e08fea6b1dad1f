import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';

/** The shared services on this machine (see DESIGN.md); CI starts them when they are not listening. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A table prefix no other test uses, so specs share one database without touching each other's tables. */
export function uniquePrefix(tag = 't'): string {
  return `${tag}_${randomBytes(4).toString('hex')}_`;
}

/** A 32+ character session secret for tests. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/**
 * The tables whose names start with the prefix. Only these are read: loading every table's metadata races
 * with other suites creating and dropping theirs in the same database.
 */
export async function prefixedTableNames(ds: DataSource, prefix: string): Promise<string[]> {
  const type = ds.options.type;
  const like = `${prefix.replace(/_/g, '\\_')}%`;
  const rows: Array<{ name: string }> =
    type === 'postgres'
      ? await ds.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1`, [like])
      : type === 'mysql'
        ? await ds.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?`, [like])
        : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'`, [like]);
  return rows.map((r) => r.name);
}

/** Drops every table whose name starts with the prefix (tests clean up what their migrations created). */
export async function dropPrefixedTables(url: string, prefix: string): Promise<void> {
  const { connectionOptionsFromUrl } = await import('../../src/database/database-url.js');
  const ds = new DataSource(connectionOptionsFromUrl(url, prefix));
  await ds.initialize();
  try {
    const rows = (await prefixedTableNames(ds, prefix)).map((name) => ({ name }));
    const qr = ds.createQueryRunner();
    // Children first: consent tables before users.
    for (const { name } of rows.sort((a, b) => b.name.localeCompare(a.name))) await qr.dropTable(name, true);
    await qr.release();
  } finally {
    await ds.destroy();
  }
}

/** Deletes every Redis key under a prefix on the shared Redis. */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const client = createClient({ url });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A private redis-server on a free loopback port, for tests that stop or break Redis. Never the shared one. */
export class PrivateRedis {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitFor(() => this.ping(), 5000, `redis-server on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const proc = this.process;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing answers, as with a stalled host. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  private async ping(): Promise<boolean> {
    const client = createClient({ url: this.url, socket: { reconnectStrategy: false, connectTimeout: 200 } });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      await client.close();
      return true;
    } catch {
      client.destroy();
      return false;
    }
  }
}

export { waitFor };

/** A small consent configuration for specs that exercise the module rather than the demo's categories. */
export const TEST_CONSENT = {
  auditSecret: TEST_SECRET,
  categories: [
    { key: 'necessary', name: 'Necessary', description: 'Sign-in.' },
    { key: 'analytics', name: 'Analytics', description: 'Audience.', cookies: [{ name: 'an', purpose: 'p', duration: '1y', provider: 'x' }] },
  ],
};
