import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { AuthService, type AuthUser } from '../../src/index.js';
import { setCookieLines } from './cookie-jar.js';

/** The two users these specs sign in as, for real (users table, argon2, session cookie). Ids are filled in at boot. */
export const ADMIN: AuthUser = { id: '', username: 'root', roles: ['admin'] };
export const NOT_ADMIN: AuthUser = { id: '', username: 'jo', roles: ['user'] };
const PASSWORD = 'admin spec password 0123';
const cookies = new Map<string, string>();

/** The session cookie header of a signed-in user (from the last boot: the apps of a spec share Redis and the database). */
export function as(user: AuthUser): [string, string] {
  const cookie = cookies.get(user.username);
  if (!cookie) throw new Error(`${user.username} is not signed in: boot the app with signIn: [user]`);
  return ['Cookie', cookie];
}

/** Creates the user when missing and signs it in for real; `as(user)` is then its Cookie header. */
export async function signIn(app: INestApplication, user: AuthUser): Promise<void> {
  const auth = app.get(AuthService);
  const existing = await auth.findByUsername(user.username);
  user.id = existing?.id ?? (await auth.createUser(user.username, PASSWORD, user.roles)).id;
  const res = await request(app.getHttpServer())
    .post('/auth/login')
    .send({ username: user.username, password: PASSWORD });
  if (res.status !== 200)
    throw new Error(`login of ${user.username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const line = setCookieLines(res).find((c) => /^(__Host-)?sid=/.test(c));
  cookies.set(user.username, line!.split(';')[0]);
}
