import type { Request } from 'express';
import session from 'express-session';
import type { Clock } from '../common/clock.js';
import { SessionBackend } from './session-backend.js';
import { SessionLimitError } from './session.exceptions.js';
import { authMetaOf, getLoadedSession, setLoadedSession } from './session-meta.js';
import { sessionHandle } from './session-token.js';

const VERSION = Symbol('storedVersion');

export interface HashedSessionStoreOptions {
  idleTimeoutMs: number;
  rememberIdleTimeoutMs: number;
  maxSessionsPerUser: number;
  sessionLimitPolicy: 'evict-oldest' | 'refuse';
}

type Callback = (err?: unknown) => void;

/**
 * The express-session store of the module. Written instead of connect-redis's RedisStore because that one
 * keys Redis by the raw session ID and cannot keep a per-user index in the same atomic step; this one
 * stores everything under {@link sessionHandle} (SHA-256 of the ID) through a {@link SessionBackend}.
 *
 * - It has no `touch()`: a request that changes nothing costs one read (the idle window is slid by the
 *   session middleware at most once per `touchInterval`, which changes the data and so saves it).
 * - A session this request loaded is written back only if it still exists (revocation wins over an
 *   in-flight request); a new session ID is created.
 */
export class HashedSessionStore extends session.Store {
  constructor(
    private readonly backend: SessionBackend,
    private readonly options: HashedSessionStoreOptions,
    private readonly clock: Clock,
  ) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.backend.load(sessionHandle(sid)).then(
      (stored) => {
        if (!stored) return callback(null, null);
        const data = stored.data as Record<string | symbol, unknown>;
        data[VERSION] = stored.version;
        callback(null, data as unknown as session.SessionData);
      },
      (err: unknown) => callback(err),
    );
  }

  override createSession(req: Request, data: session.SessionData): session.Session & session.SessionData {
    const version = (data as unknown as Record<symbol, unknown>)[VERSION];
    const created = super.createSession(req, data);
    setLoadedSession(req, { sessionId: req.sessionID, version: typeof version === 'string' ? version : '0' });
    return created;
  }

  override set(sid: string, sess: session.SessionData, callback?: Callback): void {
    const done = callback ?? (() => undefined);
    const req = (sess as unknown as { req?: Request }).req;
    const loaded = getLoadedSession(req);
    const mode = loaded?.sessionId === sid ? 'update' : 'create';
    const userId = String((sess as { passport?: { user?: unknown } }).passport?.user ?? '');
    const now = this.clock.now();
    const meta = authMetaOf(sess);
    const expiresAt = meta
      ? Math.min(meta.lastSeenAt + (meta.remember ? this.options.rememberIdleTimeoutMs : this.options.idleTimeoutMs), meta.absoluteExpiresAt)
      : now + this.options.idleTimeoutMs;
    const handle = sessionHandle(sid);
    if (expiresAt <= now) {
      this.backend.destroy(handle).then(() => done(), done);
      return;
    }
    this.backend
      .save(handle, {
        mode,
        json: JSON.stringify(sess),
        userId,
        expiresAt,
        loadedVersion: loaded?.version ?? '0',
        maxSessions: this.options.maxSessionsPerUser,
        policy: this.options.sessionLimitPolicy,
      })
      .then((result) => {
        if (result === 'refused') return done(new SessionLimitError('session limit reached'));
        // Later saves of this request update the session it just created.
        if (result === 'ok' && mode === 'create' && req) setLoadedSession(req, { sessionId: sid, version: '0' });
        done();
      }, done);
  }

  override destroy(sid: string, callback?: Callback): void {
    const done = callback ?? (() => undefined);
    this.backend.destroy(sessionHandle(sid)).then(() => done(), done);
  }
}
