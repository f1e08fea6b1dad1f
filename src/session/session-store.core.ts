import { Logger } from '@nestjs/common';
import type { Cookie, SessionData } from 'express-session';
import type { Request } from 'express';
import type { Clock } from '../common/clock.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { SessionBackend, type StoredSession } from './session.backend.js';
import { sessionEndsAt, type SessionAuthMeta } from './session-meta.js';
import { sessionHandle, tagOfHandle, type UserTags } from './session-id.js';
import { SessionLimitError, StaleLoginError } from './session.exceptions.js';
import { assertOneLine } from './stored-session.codec.js';

/** What the module keeps in an express-session session besides the app's own keys. */
declare module 'express-session' {
  interface SessionData {
    /** Passport's key: the signed-in user's ID (what the module's serializer stores). */
    passport?: { user?: unknown };
    /** The module's login facts of a signed-in session (times in ms since the epoch). */
    authConsent?: SessionAuthMeta;
  }
}

/** express-session's session as a store receives it: the data plus its non-enumerable `req`. */
export type StoreSession = SessionData & { cookie: Cookie; req?: Request };

/** On a request: the session ID it loaded from the store and the version of propagated keys it read. */
const LOADED = Symbol('authConsentLoaded');
/** On a parsed session, until express-session hands it to createSession. */
const VERSION = Symbol('authConsentVersion');
/** On a request that is signing in: the user's epoch read before the login's checks. */
const LOGIN_EPOCH = Symbol('authConsentLoginEpoch');
/** On a request: what it last stored, so express-session's own save at the end of a login stores nothing twice. */
const LAST_SAVED = Symbol('authConsentLastSaved');
/** On a parsed session, then on its request: it was read from the legacy (connect-redis) layout. */
const LEGACY = Symbol('authConsentLegacy');

const HANDLES_CACHED = 10_000;

interface Loaded {
  sid: string;
  version: string;
}

type Marked = Request & { [LOADED]?: Loaded; [LOGIN_EPOCH]?: string; [LEGACY]?: boolean; [LAST_SAVED]?: string };

/** True when the request's session was read from the legacy layout and is still to be moved. */
export function isLegacySession(req: Request): boolean {
  return (req as Marked)[LEGACY] === true;
}

/** The user ID Passport serialized: a non-empty string, or an object with one as its `id`. */
export function passportUserId(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  const id = value && typeof value === 'object' ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** The session ID of the request when its session exists in the store (loaded or saved by this request). */
export function storedSessionId(req: Request): string | undefined {
  const loaded = (req as Marked)[LOADED];
  return loaded && loaded.sid === req.sessionID ? loaded.sid : undefined;
}

/** Marks the request's next session store as a login that read the user's epoch `epoch`. */
export function setLoginEpoch(req: Request, epoch: string): void {
  (req as Marked)[LOGIN_EPOCH] = epoch;
}

/**
 * What the module's express-session stores (Redis and in-process) add to express-session's contract, in one
 * place: session IDs become handles (Redis never sees an ID), the idle and absolute timeouts are enforced on
 * read, the signed-in user and login facts go to the per-user index, an update never resurrects a revoked
 * session, and a login's session is refused when the user's epoch moved or the session limit is reached.
 */
export class SessionStoreCore {
  private readonly cookie: { path: string; httpOnly: boolean; secure: boolean; sameSite: 'lax' };
  /** The cookie of a browser-session (not remembered) session, shared: express-session copies it. */
  private readonly browserCookie: object;
  private readonly handles = new Map<string, string>();

  constructor(
    private readonly backend: SessionBackend,
    private readonly options: ResolvedAuthConsentOptions,
    private readonly clock: Clock,
    private readonly tags: UserTags,
  ) {
    // Secure is added as headers are written (finishSessionCookie), as for a new session's cookie.
    this.cookie = { path: '/', httpOnly: true, secure: false, sameSite: 'lax' };
    this.browserCookie = Object.freeze({ ...this.cookie, expires: null, originalMaxAge: null });
  }

  /**
   * The session `sid` names, as express-session inflates it, or null when it is unknown, expired (deleted
   * now) or was signed in under a user tag that no longer matches (the tag key changed: fail closed).
   */
  async get(
    sid: string,
    read: (handle: string) => Promise<StoredSession | null>,
    readLegacy?: (sid: string) => Promise<SessionData | null>,
  ): Promise<SessionData | null> {
    const handle = this.handleOf(sid);
    const stored = await read(handle);
    if (!stored) return readLegacy ? this.legacy(await readLegacy(sid)) : null;
    const { userId, meta } = stored;
    if (
      userId &&
      meta &&
      (this.clock.now() >= sessionEndsAt(meta, this.options.session) || tagOfHandle(handle) !== this.tags.of(userId))
    ) {
      await this.backend.destroyHandle(handle);
      return null;
    }
    const sess = stored.data as unknown as SessionData;
    if (userId && meta) {
      const passport = sess.passport && typeof sess.passport === 'object' ? sess.passport : {};
      sess.passport = { ...passport, user: userId };
      sess.authConsent = meta;
    }
    const expires = meta?.remember ? sessionEndsAt(meta, this.options.session) : undefined;
    // express-session rebuilds its Cookie from this (copying it); the options are the module's, never stored.
    (sess as { cookie: unknown }).cookie =
      expires === undefined
        ? this.browserCookie
        : { ...this.cookie, expires: new Date(expires).toISOString(), originalMaxAge: expires - Date.now() };
    // A symbol key: express-session's copy (for…in) and its change hash (JSON) both pass over it.
    (sess as { [VERSION]?: string })[VERSION] = stored.version;
    return sess;
  }

  /** A session written by express-session + connect-redis, to be moved by SessionMiddleware; the cookie is the module's. */
  private legacy(sess: SessionData | null): SessionData | null {
    if (!sess || typeof sess !== 'object') return null;
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : NaN;
    const remembered = Number.isFinite(expires) && expires > Date.now();
    (sess as { cookie: unknown }).cookie = {
      ...this.cookie,
      expires: remembered ? new Date(expires).toISOString() : null,
      originalMaxAge: remembered ? expires - Date.now() : null,
    };
    (sess as { [LEGACY]?: boolean })[LEGACY] = true;
    return sess;
  }

  /** express-session's createSession hook: remembers what the request loaded (see {@link set}). */
  adopt(req: Request, sess: SessionData): void {
    const version = (sess as { [VERSION]?: string })[VERSION];
    if (version !== undefined) (req as Marked)[LOADED] = { sid: req.sessionID, version };
    else if ((sess as { [LEGACY]?: boolean })[LEGACY]) (req as Marked)[LEGACY] = true;
  }

  /**
   * Stores the session. A session the request loaded is updated only while it still exists (a revocation
   * wins over a request in flight); any other is created. Rejects with {@link SessionLimitError} or
   * {@link StaleLoginError} when a login's session is refused, or with the store's error.
   */
  async set(sid: string, sess: StoreSession): Promise<void> {
    const req = sess.req as Marked | undefined;
    const loaded = req?.[LOADED];
    const update = loaded !== undefined && loaded.sid === sid;
    const { cookie: _cookie, authConsent: metaIn, passport, ...rest } = sess;
    const handle = sessionHandle(sid);
    // Only a login (LoginSessionService) puts a user in a session, under an ID that carries the user's tag:
    // a user written into any other session (an app copying a request body into req.session) signs nobody in.
    const claimed = metaIn && typeof passport?.user === 'string' ? passport.user : '';
    const userId = claimed && tagOfHandle(handle) === this.tags.of(claimed) ? claimed : '';
    const meta = userId ? metaIn : undefined;
    const data: Record<string, unknown> = rest;
    if (passport && typeof passport === 'object' && Object.keys(passport).some((k) => k !== 'user')) {
      // Keys an app keeps beside Passport's user stay; the user itself lives on the index line, or nowhere.
      const { user: _user, ...others } = passport as Record<string, unknown>;
      data.passport = others;
    }
    assertOneLine('A session user ID', userId);
    const json = JSON.stringify(data);
    // A login saves before it answers; express-session then saves the same session again as the response ends.
    const saved = `${sid}\n${userId}\n${JSON.stringify(meta ?? null)}\n${json}`;
    if (req?.[LAST_SAVED] === saved) return;
    const now = this.clock.now();
    const expiresAt = meta ? sessionEndsAt(meta, this.options.session) : now + this.options.session.idleTimeoutMs;
    if (expiresAt <= now) {
      await this.backend.destroyHandle(handle);
      return;
    }
    const result = await this.backend.save(handle, {
      mode: update ? 'update' : 'create',
      json,
      userId,
      meta,
      expiresAt,
      loadedVersion: update ? loaded.version : '0',
      maxSessions: this.options.auth.maxSessionsPerUser,
      policy: this.options.auth.sessionLimitPolicy,
      epoch: update ? '' : (req?.[LOGIN_EPOCH] ?? ''),
    });
    if (result === 'refused') throw new SessionLimitError('session limit reached');
    if (result === 'stale') throw new StaleLoginError("the user's sessions were revoked while the login ran");
    if (result === 'ok' && req) {
      if (!update) req[LOADED] = { sid, version: '0' };
      req[LAST_SAVED] = saved;
    }
  }

  destroy(sid: string): Promise<boolean> {
    this.handles.delete(sid);
    return this.backend.destroyHandle(sessionHandle(sid));
  }

  /** The handle of a session ID read from a cookie, remembered (bounded): a returning cookie costs no hash. */
  private handleOf(sid: string): string {
    let handle = this.handles.get(sid);
    if (handle === undefined) {
      handle = sessionHandle(sid);
      if (this.handles.size >= HANDLES_CACHED) this.handles.delete(this.handles.keys().next().value as string);
      this.handles.set(sid, handle);
    }
    return handle;
  }
}

const logger = new Logger('SessionStore');

/** A store method's callback, as connect-redis types it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StoreCallback = (err?: unknown, data?: any) => any;

/** Runs a store call for express-session: its callback when given, else the promise. */
export function settle<T>(work: Promise<T>, cb: StoreCallback | undefined): Promise<T | void> {
  if (!cb) return work;
  return (
    work
      .then(
        (value) => cb(null, value),
        (err: unknown) => cb(err),
      )
      // What the callback throws is the caller's; it must not become an unhandled rejection.
      .catch((err: unknown) =>
        logger.error(`A session store callback threw: ${(err as Error)?.message ?? String(err)}`),
      )
  );
}
