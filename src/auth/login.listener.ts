import type { Request, Response } from 'express';
import type { AuthUser } from './auth-user.js';

/**
 * Called by the login flow after the session ID has been regenerated and the user attached, before the
 * response is sent. The consent feature binds one to link the visitor's decision to the user; an app may
 * bind its own. A listener that throws fails the login.
 */
export abstract class LoginListener {
  abstract afterLogin(user: AuthUser, req: Request, res: Response): Promise<void>;

  /**
   * Called once a sign-out has ended the session, by the module's `POST /auth/logout` and by Passport's
   * `req.logOut` (the module's session manager), before the response is sent; `res` is the response when
   * there is one. The consent feature expires a visitor cookie that grants anything. A sign-out is never
   * refused: what this throws is logged, not answered. Optional.
   */
  afterLogout?(req: Request, res: Response | undefined): void | Promise<void>;
}
