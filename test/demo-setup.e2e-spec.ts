import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { connectionOptionsFromUrl } from '../src/index.js';
import { deleteRedisPrefix, freePort, REDIS_URL, TEST_SECRET, uniquePrefix, waitFor } from './support/services.js';

const MAIN = join(process.cwd(), 'dist/src/demo/main.js');
const CLI = join(process.cwd(), 'dist/src/demo/cli.js');
const dirs: string[] = [];
const redisPrefix = `${uniquePrefix('dset')}r:`;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ac-demo-setup-'));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await deleteRedisPrefix(redisPrefix);
});

/** The built demo, as `npm start` runs it, in `cwd` with only `env` (and PATH). */
class Demo {
  output = '';
  stdout = '';
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;

  constructor(cwd: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    this.child.stdout.on('data', (d) => ((this.output += d), (this.stdout += d)));
    this.child.stderr.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => this.child.once('exit', r));
  }

  async listening(): Promise<void> {
    await waitFor(
      async () => this.output.includes('Demo listening') || this.child.exitCode !== null,
      30_000,
      `the demo: ${this.output}`,
    );
    if (!this.output.includes('Demo listening')) throw new Error(`the demo did not start: ${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

async function userCount(sqliteFile: string): Promise<number> {
  const ds = new DataSource(connectionOptionsFromUrl(`sqlite:${sqliteFile}`));
  await ds.initialize();
  try {
    const [{ n }] = await ds.query('SELECT COUNT(*) AS n FROM auth_consent_users');
    return Number(n);
  } finally {
    await ds.destroy();
  }
}

describe('the demo started from the command line', () => {
  it('honours PORT (and the rest) from .env in the working directory, through @nestjs/config', async () => {
    const cwd = tempDir();
    const port = await freePort();
    writeFileSync(join(cwd, '.env'), `# the demo's settings\nPORT=${port}\nADMIN_PATH=console\n`);
    const demo = new Demo(cwd, {});
    try {
      await demo.listening();
      expect(demo.output).toContain(`Demo listening on http://localhost:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      // ADMIN_PATH from .env moved the admin routes (a module-shape option, read before the module is built).
      expect((await fetch(`http://127.0.0.1:${port}/console/audit`)).status).toBe(401);
    } finally {
      await demo.stop();
    }
  });

  it('lets the environment win over .env', async () => {
    const cwd = tempDir();
    const port = await freePort();
    writeFileSync(join(cwd, '.env'), `PORT=${await freePort()}\n`);
    const demo = new Demo(cwd, { PORT: String(port) });
    try {
      await demo.listening();
      expect(demo.output).toContain(`Demo listening on http://localhost:${port}`);
    } finally {
      await demo.stop();
    }
  });

  it('on the embedded defaults, creates a demo user and an admin at the first start and prints their sign-in details once', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const first = new Demo(cwd, { PORT: String(port) });
    let admin: string;
    let user: string;
    try {
      await first.listening();
      await waitFor(async () => first.stdout.includes('Sign in at'), 20_000, `the accounts: ${first.output}`);
      const passwordOf = (name: string): string => first.stdout.match(new RegExp(`\\b${name}\\s+password (\\S+)`))![1];
      [user, admin] = [passwordOf('demo'), passwordOf('admin')];
      // On stdout, not in a log line (Nest's logger prefixes "[Nest]").
      for (const line of first.output.split('\n').filter((l) => l.includes(admin) || l.includes(user)))
        expect(line).not.toMatch(/\[Nest\]/);
      for (const [username, password, role] of [
        ['demo', user, false],
        ['admin', admin, true],
      ] as const) {
        const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        expect(login.status).toBe(200);
        expect(((await login.json()) as { user: { roles: string[] } }).user.roles.includes('admin')).toBe(role);
      }
    } finally {
      await first.stop();
    }
    const second = new Demo(cwd, { PORT: String(port) });
    try {
      await second.listening();
      await new Promise((r) => setTimeout(r, 500));
      expect(second.stdout).not.toMatch(/First start|password [\w-]{20}/);
      expect(second.output).not.toContain(admin);
    } finally {
      await second.stop();
    }
    expect(await userCount(join(cwd, 'data/app.sqlite'))).toBe(2);
  });

  it('never creates them in production', async () => {
    const cwd = tempDir();
    const demo = new Demo(cwd, {
      NODE_ENV: 'production',
      PORT: String(await freePort()),
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      SESSION_SECRET: TEST_SECRET,
      CONSENT_AUDIT_SECRET: TEST_SECRET,
    });
    try {
      await demo.listening();
      await new Promise((r) => setTimeout(r, 500));
      expect(demo.stdout).not.toMatch(/First start|password [\w-]{20}/);
    } finally {
      await demo.stop();
    }
    expect(await userCount(join(cwd, 'data/app.sqlite'))).toBe(0);
  });

  it.each([
    [
      'a refused connection',
      'postgres://postgres:s3cret@127.0.0.1:PORT/test',
      /^Configuration error: DATABASE_URL \(postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test\) cannot be used: .*ECONNREFUSED/,
    ],
    [
      'an unknown scheme',
      'postgress://127.0.0.1/test',
      /^Configuration error: DATABASE_URL: database\.url has an unknown scheme/,
    ],
  ])(
    'stops on a wrong DATABASE_URL (%s) with one line naming it, and no stack trace',
    async (_name, template, expected) => {
      const url = template.replace('PORT', String(await freePort()));
      const demo = new Demo(tempDir(), { DATABASE_URL: url, PORT: String(await freePort()) });
      expect(await demo.exited).toBe(1);
      expect(demo.output.trim().split('\n')).toEqual([expect.stringMatching(expected)]);
      expect(demo.output).not.toContain('s3cret');
    },
  );
});

describe('the CLI on a terminal', () => {
  it('reads the password without echoing it (a pty through script(1))', async () => {
    const cwd = tempDir();
    const password = 'typed-not-shown-passphrase';
    // script gives the CLI a pseudo-terminal: with echo on, the terminal would print what is typed.
    const child = spawn('script', ['-qec', `${process.execPath} ${CLI} user:create carol --admin`, '/dev/null'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${join(cwd, 'cli.sqlite')}`, TERM: 'dumb' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(async () => output.includes('Password'), 20_000, `the prompt: ${output}`);
    child.stdin.write(`${password}\r`);
    await waitFor(
      async () => /Created user|error/i.test(output) || child.exitCode !== null,
      30_000,
      `the user: ${output}`,
    );
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(output).toContain('Password (not shown):');
    expect(output).toMatch(/Created user 'carol' .* with roles admin/);
    expect(output).not.toContain(password);
  });
});
