import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AUTH_CONSENT_OPTIONS } from '../auth-consent.constants.js';
import type { ResolvedAuthConsentOptions } from '../auth-consent.options.js';
import { SessionBackend } from './session.backend.js';
import { SessionStoreUnavailableException } from './session.exceptions.js';
import { sessionEndsAt, type SessionAuthMeta } from './session-meta.js';
import { sessionHandle } from './session-id.js';
import { storedSessionId } from './session-store.core.js';

/** A live session as users and administrators see it: never the session ID. */
export interface SessionInfo {
  /** Opaque handle (truncated SHA-256 of the session ID); use it to revoke the session. */
  handle: string;
  createdAt: string | null;
  lastSeenAt: string | null;
  idleExpiresAt: string | null;
  absoluteExpiresAt: string | null;
  ip: string | null;
  userAgent: string | null;
  /** A "remember me" session (persistent cookie). */
  remember: boolean;
  /** The session of the request that asked. */
  current: boolean;
}

/**
 * Lists and revokes sessions through the per-user index (no SCAN). Revocation is immediate: the revoked
 * session's next request is anonymous, and an in-flight request of it cannot write it back.
 * Store failures surface as {@link SessionStoreUnavailableException} (503).
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly backend: SessionBackend,
    @Inject(AUTH_CONSENT_OPTIONS) private readonly options: ResolvedAuthConsentOptions,
  ) {}

  /** The handle of the request's session, if it has one. */
  currentHandle(req: Request): string | undefined {
    const id = storedSessionId(req);
    return id === undefined ? undefined : sessionHandle(id);
  }

  /** The user's live sessions, most recently active first; `current` marks the session of `currentReq`. */
  async listForUser(userId: string, currentReq?: Request): Promise<SessionInfo[]> {
    const current = currentReq ? this.currentHandle(currentReq) : undefined;
    const sessions = await this.call(() => this.backend.list(userId));
    return sessions
      .map(({ handle, meta }) => this.describe(handle, meta, handle === current))
      .sort((a, b) => (b.lastSeenAt ?? '').localeCompare(a.lastSeenAt ?? ''));
  }

  /** Revokes one session whatever its user (administrators). True when it existed. */
  revoke(handle: string): Promise<boolean> {
    return this.call(() => this.backend.destroyHandle(handle));
  }

  /** Revokes one session only if it belongs to the user. True when it did. */
  revokeForUser(userId: string, handle: string): Promise<boolean> {
    return this.call(() => this.backend.destroyForUser(userId, handle));
  }

  /**
   * Revokes every session of the user, except the one with handle `except`; returns how many. A login of
   * the user that is in flight cannot store its session afterwards (the user's epoch moves).
   */
  revokeAllForUser(userId: string, options: { except?: string } = {}): Promise<number> {
    return this.call(() => this.backend.destroyAllForUser(userId, options.except));
  }

  /** Internal to logins: the user's epoch, read before the login's checks. */
  epochOf(userId: string): Promise<string> {
    return this.call(() => this.backend.epoch(userId));
  }

  /**
   * Sets one data key (e.g. `consent`) in every live session of the user in one atomic step, without
   * resurrecting any session and without changing TTLs. Guarantee: a request that read its session before
   * this call and writes it back afterwards does not undo it (the propagated value wins over the older
   * copy); the next request of every session sees the value with no extra read. Returns how many sessions.
   */
  updateUserSessions(userId: string, key: string, value: unknown): Promise<number> {
    return this.call(() => this.backend.setKeyForUser(userId, key, JSON.stringify(value ?? null)));
  }

  private describe(handle: string, meta: SessionAuthMeta | undefined, current: boolean): SessionInfo {
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    return {
      handle,
      createdAt: iso(meta?.createdAt),
      lastSeenAt: iso(meta?.lastSeenAt),
      idleExpiresAt: meta ? iso(sessionEndsAt(meta, this.options.session)) : null,
      absoluteExpiresAt: iso(meta?.absoluteExpiresAt),
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent ?? null,
      remember: meta?.remember ?? false,
      current,
    };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch {
      throw new SessionStoreUnavailableException();
    }
  }
}
