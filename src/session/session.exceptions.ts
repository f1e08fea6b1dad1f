import {
  ConflictException,
  ForbiddenException,
  InternalServerErrorException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';

/** The session store (Redis) cannot be reached: fail closed with 503, never as anonymous and never a 500. */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  constructor() {
    super('Session store unavailable; try again shortly');
  }
}

/** `maxSessionsPerUser` with the `refuse` policy: the user already holds the most sessions allowed. */
export class SessionLimitException extends ConflictException {
  constructor() {
    super('Too many active sessions; sign out of another device first');
  }
}

/** Raised by the store when a new session would exceed the per-user limit under the `refuse` policy. */
export class SessionLimitError extends Error {
  override readonly name = 'SessionLimitError';
}

/** A login whose user was disabled, or all of whose sessions were revoked, while it ran. */
export class LoginRefusedException extends UnauthorizedException {
  constructor() {
    super('Sign-in refused; sign in again');
  }
}

/** An app mounts a session middleware of its own besides the module's: a setup error, named in one sentence. */
export class SessionConflictError extends InternalServerErrorException {}

/** Raised by the store when the user's sessions were revoked (epoch moved) while a login ran. */
export class StaleLoginError extends Error {
  override readonly name = 'StaleLoginError';
}

/** 403 for a cross-origin unsafe request (CSRF). */
export class CrossOriginRequestException extends ForbiddenException {
  constructor() {
    super('Cross-origin request refused');
  }
}
