/** The signed-in user as the module exposes it (`req.user`, `@CurrentUser()`): never the password hash. */
export interface AuthUser {
  id: string;
  username: string;
  roles: string[];
}
