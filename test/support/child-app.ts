import { spawn, type ChildProcess } from 'node:child_process';
import type { AuthConsentModuleOptions } from '../../src/index.js';

/** The library app as a process (library-server.mjs): forRoot options, GET /demo/track, users created at start. */
export const LIBRARY_SERVER = 'test/support/library-server.mjs';

/** An app running as its own Node.js process (a library app, the demo or the consumer), for tests that need real separate instances. */
export class ChildApp {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  /** Spawns `node <script>` and resolves once its stdout prints `ready`; rejects with its output if it exits first. */
  static async start(
    script: string,
    opts: { cwd: string; env: Record<string, string>; port: number; ready: RegExp; timeoutMs?: number },
  ): Promise<ChildApp> {
    const child = spawn(process.execPath, [script], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', ...opts.env, PORT: String(opts.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new ChildApp(child, `http://127.0.0.1:${opts.port}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${script} did not start within ${opts.timeoutMs ?? 30000} ms:\n${app.output}`)),
        opts.timeoutMs ?? 30000,
      );
      const onData = (): void => {
        if (opts.ready.test(app.output)) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code} before it was ready:\n${app.output}`));
      };
      child.stdout?.on('data', onData);
      child.once('exit', onExit);
    });
    return app;
  }

  /**
   * A library app (library-server.mjs, on the built package in dist/) in its own process: the options as
   * JSON (trackingOptions() builds the demo's), `users` created at start when missing.
   */
  static async library(
    options: AuthConsentModuleOptions,
    opts: {
      port: number;
      users?: Array<{ username: string; password: string; roles?: string[] }>;
      env?: Record<string, string>;
      timeoutMs?: number;
    },
  ): Promise<ChildApp> {
    return ChildApp.start(LIBRARY_SERVER, {
      cwd: process.cwd(),
      port: opts.port,
      ready: /Library app listening/,
      timeoutMs: opts.timeoutMs ?? 60_000,
      env: {
        NODE_ENV: 'test',
        ...opts.env,
        LIBRARY_APP_OPTIONS: JSON.stringify(options),
        ...(opts.users ? { LIBRARY_APP_USERS: JSON.stringify(opts.users) } : {}),
      },
    });
  }

  /** What the process printed so far (for assertion messages). */
  get log(): string {
    return this.output;
  }

  /** SIGTERM (Nest's shutdown hooks close Redis and the database), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
