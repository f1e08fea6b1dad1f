import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigModule } from '@nestjs/config';
import { AuthService, PasswordPolicyError, runConsentVerify, UsernameTakenError } from '../index.js';
import { AppModule } from './app.module.js';
import { PasswordPromptCancelled, readPassword } from './read-password.js';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  db:migrate                       apply pending migrations to DATABASE_URL and exit
  user:create <username> [--admin] create a user; the password is typed (not shown) or read from standard input
  user:set-password <username>     set a new password (typed, or from standard input); revokes all the user's sessions
  user:disable <username>          disable the account and revoke all of its sessions
  consent:verify [--rows <n>]      verify every consent audit chain, with progress (a bar on a terminal, counts otherwise);
                                   prints a checkpoint digest; exit 1 if one is broken. --rows: events read per step (10000)
  --help                           show this help

Configuration comes from the same environment variables as the demo, and from .env (see .env.example).
`;

type Command = (args: string[]) => Promise<number>;

/** @nestjs/config's module: it reads .env in the working directory into the environment (which wins), as the demo does. */
let config: Awaited<ReturnType<typeof ConfigModule.forRoot>>;

/** Boots the app context (migrations run), hands the AuthService to `work`, and closes. */
async function withAuth(work: (auth: AuthService) => Promise<number>): Promise<number> {
  const app = await NestFactory.createApplicationContext(AppModule.forEnv(process.env, config), {
    logger: ['error', 'warn'],
  });
  try {
    return await work(app.get(AuthService));
  } catch (err) {
    if (err instanceof UsernameTakenError || err instanceof PasswordPolicyError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await app.close();
  }
}

function usernameArg(args: string[], command: string): string | undefined {
  const name = args.find((a) => !a.startsWith('--'));
  if (!name) process.stderr.write(`Usage: npm run cli -- ${command} <username>\n`);
  return name;
}

const commands: Record<string, Command> = {
  async 'db:migrate'() {
    // Booting the module runs pending migrations (migrationsRun), then the context closes cleanly.
    const app = await NestFactory.createApplicationContext(AppModule.forEnv(process.env, config), {
      logger: ['log', 'error', 'warn'],
    });
    await app.close();
    return 0;
  },

  async 'user:create'(args) {
    const username = usernameArg(args, 'user:create');
    if (!username) return 2;
    const password = await readPassword();
    return withAuth(async (auth) => {
      const user = await auth.createUser(username, password, args.includes('--admin') ? ['admin'] : []);
      process.stdout.write(
        `Created user '${user.username}' (${user.id})${user.roles.length ? ` with roles ${user.roles.join(', ')}` : ''}.\n`,
      );
      return 0;
    });
  },

  async 'user:set-password'(args) {
    const username = usernameArg(args, 'user:set-password');
    if (!username) return 2;
    const password = await readPassword();
    return withAuth(async (auth) => {
      const user = await auth.findByUsername(username);
      if (!user) {
        process.stderr.write(`No user '${username}'.\n`);
        return 1;
      }
      await auth.setPassword(user.id, password);
      process.stdout.write(`Password of '${user.username}' changed; all of their sessions were revoked.\n`);
      return 0;
    });
  },

  async 'user:disable'(args) {
    const username = usernameArg(args, 'user:disable');
    if (!username) return 2;
    return withAuth(async (auth) => {
      const user = await auth.findByUsername(username);
      if (!user) {
        process.stderr.write(`No user '${username}'.\n`);
        return 1;
      }
      const revoked = await auth.disableUser(user.id);
      process.stdout.write(`Disabled '${user.username}'; revoked ${revoked} session(s).\n`);
      return 0;
    });
  },

  async 'consent:verify'(args) {
    const at = args.indexOf('--rows');
    const rows = at === -1 ? undefined : Number(args[at + 1]);
    if (rows !== undefined && !(Number.isInteger(rows) && rows > 0)) {
      process.stderr.write('Usage: npm run cli -- consent:verify [--rows <positive integer>]\n');
      return 2;
    }
    const app = await NestFactory.createApplicationContext(AppModule.forEnv(process.env, config), {
      logger: ['error', 'warn'],
    });
    try {
      return await runConsentVerify(app, undefined, { rows });
    } finally {
      await app.close();
    }
  },
};

async function run(argv: string[]): Promise<number> {
  config = await ConfigModule.forRoot({ isGlobal: true });
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command '${name}'.\n\n${HELP}`);
    return 2;
  }
  return command(args);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof PasswordPromptCancelled) process.exit(130);
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
