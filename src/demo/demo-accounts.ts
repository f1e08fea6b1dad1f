import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuthService, getAuthConsentDataSourceToken } from '../index.js';
import type { DemoEnv } from './demo-config.js';

export interface DemoAccount {
  username: string;
  password: string;
  roles: string[];
}

/**
 * On the embedded defaults (no DATABASE_URL: the local SQLite file) and outside production, the first start
 * (no user yet) creates a demo user and an admin with random passwords and returns them, so that main.ts
 * prints them once on the terminal; they never go through the logger. Any other start returns nothing.
 */
export async function createFirstStartAccounts(app: INestApplicationContext, env: DemoEnv): Promise<DemoAccount[]> {
  if (env.NODE_ENV === 'production' || env.DATABASE_URL) return [];
  const users = app.get<DataSource>(getAuthConsentDataSourceToken()).getRepository('UserEntity');
  if ((await users.count()) > 0) return [];
  const auth = app.get(AuthService);
  const accounts: DemoAccount[] = [
    { username: 'demo', password: randomBytes(15).toString('base64url'), roles: [] },
    { username: 'admin', password: randomBytes(15).toString('base64url'), roles: ['admin'] },
  ];
  for (const account of accounts) await auth.createUser(account.username, account.password, account.roles);
  return accounts;
}

/** The sign-in details as printed on the terminal. */
export function formatFirstStartAccounts(accounts: DemoAccount[], baseUrl: string): string {
  const lines = accounts.map(
    (a) =>
      `  ${a.roles.includes('admin') ? 'admin     ' : 'demo user '} ${a.username.padEnd(6)} password ${a.password}`,
  );
  return [
    '',
    'First start: two accounts were created in the embedded database. Their passwords are shown only this once:',
    ...lines,
    `Sign in at ${baseUrl}/login (the admin console is at ${baseUrl}/admin).`,
    '',
  ].join('\n');
}
