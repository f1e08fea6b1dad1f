/** The canonical form of a username: NFKC, then lower case, trimmed; usernames are unique in this form. */
export function foldUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().trim();
}
