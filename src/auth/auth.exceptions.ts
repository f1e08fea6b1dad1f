import { HttpException, HttpStatus, UnauthorizedException } from '@nestjs/common';

/** Thrown by a UserStore when the (folded) username exists. */
export class UsernameTakenError extends Error {
  override readonly name = 'UsernameTakenError';
}

/** A password that breaks the length policy (CLI, password change). */
export class PasswordPolicyError extends Error {
  override readonly name = 'PasswordPolicyError';
}

/** The one answer for an unknown user, a wrong password and a disabled account. */
export class InvalidCredentialsException extends UnauthorizedException {
  constructor() {
    super('Invalid username or password');
  }
}

/** 401 for a route that needs a signed-in user. */
export class NotSignedInException extends UnauthorizedException {
  constructor() {
    super('Not signed in');
  }
}

/** 429 while login back-off is in force; the caller sets `Retry-After`. */
export class TooManyLoginAttemptsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many failed login attempts; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }
}
