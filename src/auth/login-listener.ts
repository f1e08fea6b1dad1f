import type { Request, Response } from 'express';
import type { AuthUser } from './auth-user.js';

/**
 * Called by the login flow after the session ID has been regenerated and the user attached, before the
 * response is sent. The consent feature binds one to link the visitor's decision to the user; an app may
 * bind its own. A listener that throws fails the login.
 */
export abstract class LoginListener {
  abstract afterLogin(user: AuthUser, req: Request, res: Response): Promise<void>;
}
