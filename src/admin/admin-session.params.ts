import { SESSION_HANDLE_PATTERN } from '../session/session-id.js';
import { AdminBadRequestException } from './admin-bad-request.exception.js';

/** User IDs of the built-in store are UUIDs; an app's own UserStore may use other short, URL-safe IDs. */
const USER_ID_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

export function parseAdminUserId(userId: string): string {
  if (!USER_ID_RE.test(userId)) throw new AdminBadRequestException('userId must be 1-64 letters, digits, _ . : or -.');
  return userId;
}

export function parseSessionHandle(handle: string): string {
  if (!SESSION_HANDLE_PATTERN.test(handle))
    throw new AdminBadRequestException(
      'handle must be a session handle as GET /admin/users/:userId/sessions lists it (28 base64url characters).',
    );
  return handle;
}
