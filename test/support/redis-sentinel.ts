import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { freePort, waitFor } from './services.js';

/**
 * A private Redis Sentinel set-up on loopback for tests: one primary, one replica and three sentinels
 * (`redis-server --sentinel`) watching them as `primary`, with a 1 s down-after so a failover takes seconds.
 * Never the shared Redis.
 */
export class PrivateRedisSentinel {
  readonly name = 'primary';
  private readonly processes = new Map<number, ChildProcess>();

  private constructor(
    readonly primaryPort: number,
    readonly replicaPort: number,
    readonly sentinelPorts: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedisSentinel> {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    const set = new PrivateRedisSentinel(
      ports[0],
      ports[1],
      ports.slice(2),
      mkdtempSync(join(tmpdir(), 'ac-sentinel-')),
    );
    try {
      await set.boot();
    } catch (err) {
      await set.stop();
      throw err;
    }
    return set;
  }

  get sentinelRootNodes(): Array<{ host: string; port: number }> {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  private run(port: number, args: string[]): void {
    this.processes.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
  }

  private async boot(): Promise<void> {
    const data = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir];
    this.run(this.primaryPort, ['--port', String(this.primaryPort), ...data]);
    this.run(this.replicaPort, [
      '--port',
      String(this.replicaPort),
      ...data,
      '--replicaof',
      '127.0.0.1',
      String(this.primaryPort),
    ]);
    await waitFor(
      async () => (await info(this.replicaPort, 'replication')).includes('master_link_status:up'),
      10_000,
      'the replica to sync',
    );
    for (const port of this.sentinelPorts) {
      const conf = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `sentinel monitor ${this.name} 127.0.0.1 ${this.primaryPort} 2`,
          `sentinel down-after-milliseconds ${this.name} 1000`,
          `sentinel failover-timeout ${this.name} 5000`,
          `sentinel parallel-syncs ${this.name} 1`,
          '',
        ].join('\n'),
      );
      this.run(port, [conf, '--sentinel']);
    }
    await waitFor(
      async () => (await info(this.sentinelPorts[0], 'sentinel')).includes('sentinels=3'),
      15_000,
      'three sentinels to see each other',
    );
  }

  /** Kills the primary (SIGKILL): the sentinels promote the replica. */
  async killPrimary(): Promise<void> {
    await kill(this.processes.get(this.primaryPort));
  }

  /** The port of the primary the sentinels name now. */
  async currentPrimaryPort(): Promise<number> {
    const client: RedisClientType = createClient({
      url: `redis://127.0.0.1:${this.sentinelPorts[0]}`,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const [, port] = (await client.sendCommand(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name])) as [
        string,
        string,
      ];
      return Number(port);
    } finally {
      client.destroy();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map(kill));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function kill(proc: ChildProcess | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

async function info(port: number, section: string): Promise<string> {
  const client: RedisClientType = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { reconnectStrategy: false, connectTimeout: 300 },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.sendCommand(['INFO', section]));
  } catch {
    return '';
  } finally {
    client.destroy();
  }
}
