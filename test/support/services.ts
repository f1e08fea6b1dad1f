import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';

/** The shared services on this machine (README, "The two commands"); npm test starts them when they are not listening. */
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
      ? await ds.query(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE $1`,
          [like],
        )
      : type === 'mysql'
        ? await ds.query(
            `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE ?`,
            [like],
          )
        : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'`, [like]);
  return rows.map((r) => r.name);
}

/** Counts the SQL statements a data source sends from now on. */
export function countQueries(ds: DataSource): { readonly count: number; reset(): void } {
  let count = 0;
  const counter: TypeOrmLogger = {
    logQuery: () => void count++,
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  (ds as unknown as { logger: TypeOrmLogger }).logger = counter;
  return {
    get count() {
      return count;
    },
    reset() {
      count = 0;
    },
  };
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
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
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
    {
      key: 'analytics',
      name: 'Analytics',
      description: 'Audience.',
      cookies: [{ name: 'an', purpose: 'p', duration: '1y', provider: 'x' }],
    },
  ],
};

/**
 * A private PostgreSQL 15 on a free loopback port, for tests that freeze or break the database: initdb into a
 * temp dir owned by `postgres` (the server refuses to run as root), started through `runuser` in its own
 * process group so `pause()` freezes the postmaster and every backend at once. Never the shared server.
 */
export class PrivatePostgres {
  private process?: ChildProcess;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(bin = process.env.TEST_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin'): Promise<PrivatePostgres> {
    const dir = mkdtempSync(`${tmpdir()}/pg-private-`);
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
    execFileSync(
      'runuser',
      ['-u', 'postgres', '--', `${bin}/initdb`, '-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '--no-sync'],
      { stdio: 'ignore' },
    );
    const pg = new PrivatePostgres(await freePort(), dir);
    const args = [
      '-D',
      `${dir}/data`,
      '-p',
      String(pg.port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=50',
    ];
    // detached: its own process group (runuser, the postmaster and the backends), frozen and killed as one.
    pg.process = spawn('runuser', ['-u', 'postgres', '--', `${bin}/postgres`, ...args], {
      stdio: 'ignore',
      detached: true,
    });
    await waitFor(() => pg.ping(), 15_000, `postgres on port ${pg.port}`);
    return pg;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /**
   * Freezes the server: SIGSTOP to the postmaster and every backend (each backend leads its own process
   * group, so the postmaster's group alone is not enough). Connections stay open and nothing answers.
   */
  pause(): void {
    for (const pid of this.serverPids()) this.kill(pid, 'SIGSTOP');
  }

  resume(): void {
    for (const pid of this.serverPids().reverse()) this.kill(pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    const proc = this.process;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      const pids = this.serverPids();
      for (const pid of pids) this.kill(pid, 'SIGCONT');
      for (const pid of [...pids, -proc.pid!]) this.kill(pid, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    this.process = undefined;
    const { rmSync } = await import('node:fs');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The postmaster (first line of postmaster.pid), then its children. */
  private serverPids(): number[] {
    let postmaster: number;
    try {
      postmaster = Number(readFileSync(`${this.dir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
    } catch {
      return [];
    }
    let children: number[] = [];
    try {
      children = execFileSync('pgrep', ['-P', String(postmaster)])
        .toString()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      // no children
    }
    return [postmaster, ...children];
  }

  private kill(pid: number, sig: NodeJS.Signals): void {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }

  private async ping(): Promise<boolean> {
    const ds = new DataSource({ type: 'postgres', url: this.url, connectTimeoutMS: 500, poolSize: 1 });
    try {
      await ds.initialize();
      await ds.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      if (ds.isInitialized) await ds.destroy();
    }
  }
}
