import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const HELP = `Usage: npm run cli -- <command> [options]

Commands:
  db:migrate        apply pending migrations to DATABASE_URL and exit
  --help            show this help

Configuration comes from the same environment variables as the demo (see .env.example).
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  async 'db:migrate'() {
    // Booting the module runs pending migrations (migrationsRun), then the context closes cleanly.
    const app = await NestFactory.createApplicationContext(AppModule.forEnv(process.env), { logger: ['log', 'error', 'warn'] });
    await app.close();
    return 0;
  },
};

async function run(argv: string[]): Promise<number> {
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
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
