import type { Response } from 'express';
import { SessionStoreUnavailableException } from '../session/session.exceptions.js';
import { TooManyLoginAttemptsException } from './auth.exceptions.js';

/**
 * Runs one step against the throttle store. A throttled caller gets 429 with `Retry-After`; when the store
 * cannot be read or written the answer is 503 rather than skipping the limit.
 */
export async function throttleStep<T>(res: Response, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof TooManyLoginAttemptsException) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      throw err;
    }
    throw new SessionStoreUnavailableException();
  }
}
