/** The canonical form of a username: NFKC, then lower case, trimmed; usernames are unique in this form. */
export function foldUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().trim();
}

/** What a username is, folded: 1-254 characters without white space or control, format or unassigned ones. */
export const USERNAME_PATTERN = /^[^\s\p{C}]{1,254}$/u;

/**
 * Whether a folded username may name an account, so that it is worth looking up. A control character (C0,
 * DEL, C1) never may: `AuthService.createUser` refuses them, and PostgreSQL refuses NUL in text outright,
 * so such a name is answered as an unknown user without reaching the user store. Anything else is looked
 * up, so that users an app created in its own store under a looser rule can still sign in.
 */
export function mayNameAnAccount(folded: string): boolean {
  return folded.length > 0 && !/\p{Cc}/u.test(folded);
}
