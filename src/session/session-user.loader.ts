/**
 * How the session layer turns a session's user ID into `req.user`. The auth feature binds it (the user
 * store behind a short-lived cache), so the session layer needs no knowledge of users. `null`: the user is
 * gone or disabled, and the request is anonymous.
 */
export abstract class SessionUserLoader {
  /** The user, or a promise of it when it must be read (a cached user costs no promise). */
  abstract load(userId: string): object | null | Promise<object | null>;
}
