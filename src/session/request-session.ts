import type { Request } from 'express';
import type { SessionAuthMeta } from './session-meta.js';

/**
 * What an app reads and writes as `req.session` (or Nest's `@Session()`): plain JSON-serialisable data,
 * written back at the end of the request only when it changed. The module keeps `consent` in it.
 */
export interface AuthConsentSessionData {
  [key: string]: unknown;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's session data; undefined only when the session store could not be read. */
      session?: AuthConsentSessionData;
    }
  }
}

/** The module's side of one request's session: identity, login facts and what was last stored. */
export class RequestSession {
  /** The raw session ID (cookie only; Redis sees its handle). Undefined until the session is first stored. */
  id: string | undefined;
  /** The signed-in user, or `''`. */
  userId = '';
  meta: SessionAuthMeta | undefined;
  /** Version of the propagated keys this copy was read with (see SessionBackend.setKeyForUser). */
  version = '0';
  /** The session exists in the store under `id` (an update may not resurrect it); false for a new ID. */
  stored = false;
  /** JSON of the data as last read or written: an unchanged session is not written back. */
  savedData = '{}';
  /** The login facts changed (login, idle window slid) since they were read. */
  metaChanged = false;
  /** The cookie must be (re)sent: a new ID, or a remembered session's moved expiry. */
  sendCookie = false;
  /** Logged out or expired: nothing is written back and no cookie sent. */
  destroyed = false;
  /** Revoked by someone else while this request ran: nothing is written back (nothing resurrected). */
  revoked = false;

  constructor(public data: AuthConsentSessionData) {}
}

const STATE = Symbol('authConsentRequestSession');
const ACCESSOR = Symbol('authConsentSessionAccessor');

type WithState = Request & { [STATE]?: RequestSession; [ACCESSOR]?: true };

export function attachRequestSession(req: Request, session: RequestSession): void {
  (req as WithState)[STATE] = session;
  // With the accessor on the app's request prototype, req.session reads the state; otherwise set it here.
  if (!(req as WithState)[ACCESSOR]) req.session = session.data;
}

/**
 * Makes `req.session` of an app's requests an accessor over the module's state: `current` yields the
 * request's session (created on first use), and assigning `req.session` replaces its data.
 */
export function installSessionAccessor(requestPrototype: object, current: (req: Request) => RequestSession | undefined): void {
  Object.defineProperty(requestPrototype, ACCESSOR, { value: true });
  // A request with no session finds "none" on its prototype instead of searching the whole chain for it.
  Object.defineProperty(requestPrototype, STATE, { value: undefined, writable: true });
  Object.defineProperty(requestPrototype, 'session', {
    configurable: true,
    get(this: Request) {
      return current(this)?.data;
    },
    set(this: Request, value: AuthConsentSessionData) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new TypeError('req.session must be a plain object; to end a session use POST /auth/logout or SessionService.');
      }
      const s = current(this);
      if (s) s.data = value;
    },
  });
}

/** The request's session, if its store read succeeded. */
export function requestSessionOf(req: Request): RequestSession | undefined {
  return (req as unknown as Record<symbol, RequestSession | undefined>)[STATE];
}
