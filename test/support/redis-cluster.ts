import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { freePort, waitFor } from './services.js';

/**
 * A private Redis Cluster on loopback for tests: 3 masters and 3 replicas (`redis-server --cluster-enabled
 * yes`, joined by `redis-cli --cluster create`), on free ports, nothing kept on disk but the node files in
 * a temporary directory. Never the shared Redis.
 */
export class PrivateRedisCluster {
  private readonly processes = new Map<number, ChildProcess>();
  private constructor(
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  static async start(nodes = 6): Promise<PrivateRedisCluster> {
    // A node exits at once when its bus port (port + 10000) was taken meanwhile, e.g. by an outgoing
    // connection's ephemeral port: then the cluster is booted again on other ports (at most 3 times).
    for (let attempt = 1; ; attempt++) {
      const cluster = new PrivateRedisCluster(await clusterPorts(nodes), mkdtempSync(join(tmpdir(), 'ac-cluster-')));
      try {
        await cluster.boot();
        return cluster;
      } catch (err) {
        await cluster.stop();
        if (attempt >= 3) throw err;
      }
    }
  }

  get rootNodes(): Array<{ url: string }> {
    return this.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` }));
  }

  private async boot(): Promise<void> {
    for (const port of this.ports) {
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
      ];
      args.push(
        '--cluster-config-file',
        join(this.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        this.dir,
      );
      this.processes.set(port, spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of this.ports) {
      const proc = this.processes.get(port)!;
      await waitFor(
        async () => {
          if (proc.exitCode !== null) throw new Error(`redis-server on ${port} exited (${proc.exitCode})`);
          return ping(port);
        },
        5000,
        `redis-server on ${port}`,
      );
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    await waitFor(
      async () => (await Promise.all(this.ports.map(clusterOk))).every(Boolean),
      20_000,
      'cluster_state:ok on every node',
    );
    // Every master has its replica in sync (a write can be WAITed for), every replica its link up.
    await waitFor(
      async () => (await Promise.all(this.ports.map(replicationReady))).every(Boolean),
      20_000,
      'every replica in sync',
    );
  }

  /** Kills one node (SIGKILL): if it is a master, its replica is promoted after `cluster-node-timeout`. */
  async kill(port: number): Promise<void> {
    const proc = this.processes.get(port);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Freezes one node (SIGSTOP): it keeps its sockets but answers nothing. */
  freeze(port: number): void {
    this.processes.get(port)?.kill('SIGSTOP');
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(
        (proc) =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
            proc.once('exit', () => resolve());
            proc.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `nodes` free data ports whose cluster bus ports (port + 10000) are free too. */
async function clusterPorts(nodes: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < nodes) {
    const port = await freePort();
    if (port < 55_000 && !ports.includes(port) && (await portIsFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function withClient<T>(port: number, fn: (client: RedisClientType) => Promise<T>): Promise<T | false> {
  // Not 300 ms: on a loaded 2-core machine loopback connects took longer and the boot never saw cluster_state:ok.
  const client: RedisClientType = createClient({
    url: `redis://127.0.0.1:${port}`,
    socket: { reconnectStrategy: false, connectTimeout: 2000 },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

async function ping(port: number): Promise<boolean> {
  return (await withClient(port, (c) => c.ping())) === 'PONG';
}

async function clusterOk(port: number): Promise<boolean> {
  const info = await withClient(port, (c) => c.sendCommand(['CLUSTER', 'INFO']));
  return String(info).includes('cluster_state:ok');
}

async function replicationReady(port: number): Promise<boolean> {
  const info = String(await withClient(port, (c) => c.sendCommand(['INFO', 'replication'])));
  if (info.includes('role:master')) return /connected_slaves:[1-9]/.test(info) && /slave0:.*state=online/.test(info);
  return info.includes('master_link_status:up');
}
