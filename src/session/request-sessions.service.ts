import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { Clock } from '../common/clock.js';
import { addNoStoreCookie } from '../common/write-head-headers.js';
import { attachRequestSession, RequestSession, requestSessionOf } from './request-session.js';
import { SessionBackend, type StoredSession } from './session-backend.js';
import { SessionCookie } from './session-cookie.js';
import { SessionLimitError } from './session.exceptions.js';
import { isSessionUnavailable, sessionEndsAt, type SessionAuthMeta } from './session-meta.js';
import { sessionHandle } from './session-token.js';

const VERIFIED_MAX = 10_000;

/** What a well-signed session cookie names. */
export interface SessionIdentity {
  id: string;
  handle: string;
  /** Verified by a secret other than the first. */
  rotated: boolean;
}

/**
 * Reads, writes, regenerates and destroys the session of a request, and issues its cookie. The module's
 * own session layer (in place of express-session and Passport's session strategy): a signed-in read costs
 * one store read and no write; a session is written back only when its data or login facts changed, and an
 * update never resurrects a session revoked in the meantime (the backend refuses it).
 */
@Injectable()
export class RequestSessions {
  private readonly logger = new Logger(RequestSessions.name);
  readonly cookie: SessionCookie;
  private readonly touchIntervalMs: number;
  /** Cookie values whose signature verified, with their ID and handle: a returning cookie costs no HMAC or hash. */
  private readonly verified = new Map<string, SessionIdentity>();

  constructor(
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
    private readonly backend: SessionBackend,
    private readonly clock: Clock,
  ) {
    const s = options.session;
    this.cookie = new SessionCookie(s.cookieName, s.secrets, s.cookieSecure);
    // Sliding more rarely than half the idle timeout would let an active user time out.
    this.touchIntervalMs = Math.min(options.auth.touchIntervalMs, Math.floor(s.idleTimeoutMs / 2));
  }

  /**
   * The session ID and handle named by the request's session cookie when its signature verifies. Verified
   * values are remembered (bounded, oldest dropped first); a forged value is never remembered.
   */
  identify(cookieHeader: string | undefined): SessionIdentity | undefined {
    const raw = this.cookie.valueIn(cookieHeader);
    if (raw === undefined) return undefined;
    const known = this.verified.get(raw);
    if (known) return known;
    const verified = this.cookie.verify(raw);
    if (verified === undefined) return undefined;
    if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
    const identity = { id: verified.id, handle: sessionHandle(verified.id), rotated: verified.rotated };
    this.verified.set(raw, identity);
    return identity;
  }

  /**
   * The stored session `id` names (one store read), with the server-side timeouts applied: an expired
   * session is deleted and a fresh one returned; the idle window slides at most once per touch interval.
   * Unknown, revoked and expired IDs all give a fresh session (a new ID if anything is ever stored). Rejects
   * when the store fails.
   */
  load(identity: SessionIdentity): Promise<RequestSession> {
    return this.backend.load(identity.handle).then((stored) => {
      const restored = this.restore(identity.id, identity.handle, stored);
      // Signed with a secret being rotated out: re-issue the cookie under the current one.
      if (identity.rotated && restored instanceof RequestSession && restored.stored) restored.sendCookie = true;
      return restored;
    });
  }

  private restore(id: string, handle: string, stored: StoredSession | null): RequestSession | Promise<RequestSession> {
    if (!stored) return new RequestSession({});
    const s = new RequestSession(stored.data);
    s.id = id;
    s.userId = stored.userId;
    s.meta = stored.meta;
    s.version = stored.version;
    s.stored = true;
    s.savedData = JSON.stringify(stored.data);
    const meta = s.meta;
    if (meta) {
      const now = this.clock.now();
      if (now >= sessionEndsAt(meta, this.options.session)) {
        return this.backend.destroy(handle).then(() => new RequestSession({}));
      }
      if (now - meta.lastSeenAt >= this.touchIntervalMs) this.touch(s, now);
    }
    return s;
  }

  /**
   * The request's session: the one loaded for it, or else a new, empty one (stored only if something is put
   * in it). Undefined when the store could not be read: nothing may then be written over the real session.
   */
  current(req: Request): RequestSession | undefined {
    const loaded = requestSessionOf(req);
    if (loaded || isSessionUnavailable(req)) return loaded;
    const fresh = new RequestSession({});
    attachRequestSession(req, fresh);
    return fresh;
  }

  /** A new, empty session under a new ID for this request (login, password change); the old ID is deleted from the store first. */
  async regenerate(req: Request, current: RequestSession): Promise<RequestSession> {
    if (current.stored && current.id !== undefined) await this.backend.destroy(sessionHandle(current.id));
    current.destroyed = true;
    const fresh = new RequestSession({});
    fresh.id = SessionCookie.newId();
    fresh.sendCookie = true;
    attachRequestSession(req, fresh);
    return fresh;
  }

  /** Puts a user and the login facts into the session; stored by the next {@link commit}. */
  signIn(s: RequestSession, userId: string, meta: SessionAuthMeta): void {
    s.userId = userId;
    s.meta = meta;
    s.metaChanged = true;
    if (meta.remember) s.sendCookie = true;
  }

  /** Deletes the session from the store (logout); nothing of it is written back. */
  async destroy(s: RequestSession): Promise<void> {
    if (s.stored && s.id !== undefined) await this.backend.destroy(sessionHandle(s.id));
    s.destroyed = true;
    s.sendCookie = false;
  }

  /**
   * The JSON to write back, or undefined when there is nothing to write: synchronous, so a request that
   * changed nothing ends without waiting. A new session with no data and no user is not stored (nor its
   * cookie sent); once the headers are out it could not get its cookie, so it is not stored either.
   */
  pendingWrite(req: Request, s: RequestSession, headersSent: boolean): string | undefined {
    if (s.destroyed || s.revoked) return undefined;
    const data = req.session ?? s.data;
    if (!s.stored && ((s.userId === '' && isEmpty(data)) || (s.id === undefined && headersSent))) return undefined;
    let json: string;
    try {
      json = JSON.stringify(data);
    } catch (err) {
      // Not JSON (a BigInt, a cycle): the session keeps what it had; the response still goes out.
      this.logger.error(`req.session is not JSON-serialisable, not saved: ${(err as Error).message}`);
      return undefined;
    }
    return s.stored && json === s.savedData && !s.metaChanged ? undefined : json;
  }

  /** Writes the session back if it changed. Throws {@link SessionLimitError} when a new signed-in session is refused, or the store's error. */
  async commit(req: Request, s: RequestSession): Promise<void> {
    const json = this.pendingWrite(req, s, false);
    if (json !== undefined) await this.write(s, json);
  }

  /** Stores `json` as the session's data; a new session gets its ID here. */
  async write(s: RequestSession, json: string): Promise<void> {
    if (s.id === undefined) {
      s.id = SessionCookie.newId();
      s.sendCookie = true;
    }
    const handle = sessionHandle(s.id);
    const expiresAt = this.expiresAt(s);
    if (expiresAt <= this.clock.now()) {
      await this.backend.destroy(handle);
      s.destroyed = true;
      return;
    }
    const result = await this.backend.save(handle, {
      mode: s.stored ? 'update' : 'create',
      json,
      userId: s.userId,
      meta: s.meta,
      expiresAt,
      loadedVersion: s.version,
      maxSessions: this.options.auth.maxSessionsPerUser,
      policy: this.options.auth.sessionLimitPolicy,
    });
    if (result === 'refused') throw new SessionLimitError('session limit reached');
    if (result === 'gone') {
      // Revoked while this request ran: it stays revoked.
      s.revoked = true;
      return;
    }
    if (!s.stored) s.version = '0';
    s.stored = true;
    s.savedData = json;
    s.metaChanged = false;
  }

  /**
   * Adds the session cookie to a response about to send its headers (writeHead's arguments), when the
   * session needs it. A new session that holds data gets its ID here, so that its cookie goes with these
   * headers (it is stored when the response ends).
   */
  issueCookie(req: Request, res: Response, s: RequestSession, writeHeadArgs: unknown[]): void {
    if (s.id === undefined && !s.destroyed && !s.revoked && !isEmpty(req.session ?? s.data)) {
      s.id = SessionCookie.newId();
      s.sendCookie = true;
    }
    if (!s.sendCookie || s.destroyed || s.id === undefined) return;
    s.sendCookie = false;
    addNoStoreCookie(res, this.cookie.serialize(s.id, s.meta?.remember ? this.expiresAt(s) : undefined), writeHeadArgs);
  }

  /** When the session ends (store TTL and a remembered cookie's Expires); an anonymous one after the idle timeout. */
  private expiresAt(s: RequestSession): number {
    return s.meta ? sessionEndsAt(s.meta, this.options.session) : this.clock.now() + this.options.session.idleTimeoutMs;
  }

  private touch(s: RequestSession, now: number): void {
    s.meta!.lastSeenAt = now;
    s.metaChanged = true;
    // A remembered cookie's Expires moves with the idle window.
    if (s.meta!.remember) s.sendCookie = true;
  }
}

function isEmpty(data: object): boolean {
  for (const _ in data) return false;
  return true;
}
