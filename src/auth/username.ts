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

/**
 * The scripts a username's letters are told apart by (Unicode Script_Extensions). A letter of none of them
 * counts as one more script of its own ('Other'): mixing it with any of these is refused, mixing two such
 * rarer scripts is not detected.
 */
const SCRIPTS: Array<[string, RegExp]> = [
  'Latin',
  'Cyrillic',
  'Greek',
  'Armenian',
  'Georgian',
  'Hebrew',
  'Arabic',
  'Syriac',
  'Thaana',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
  'Thai',
  'Lao',
  'Tibetan',
  'Myanmar',
  'Khmer',
  'Mongolian',
  'Ethiopic',
  'Cherokee',
  'Hangul',
  'Hiragana',
  'Katakana',
  'Bopomofo',
  'Han',
].map((name) => [name, new RegExp(`\\p{Script_Extensions=${name}}`, 'u')]);

/** UTS #39: Han with kana is Japanese, with Bopomofo Chinese, with Hangul Korean; each is one script set. */
const AUGMENTED: Record<string, string[]> = {
  Han: ['Jpan', 'Hanb', 'Kore'],
  Hiragana: ['Jpan'],
  Katakana: ['Jpan'],
  Bopomofo: ['Hanb'],
  Hangul: ['Kore'],
};

/** Cyrillic and Greek small letters that look like Latin ones: a name made only of them passes for a Latin name. */
const LATIN_LOOKALIKES = /^[аеорсухіјѕԁһӏԛԝүѵкοανικρυχϲϳ]+$/u;

function scriptsOf(letter: string): Set<string> {
  const found = SCRIPTS.filter(([, re]) => re.test(letter)).map(([name]) => name);
  const set = new Set(found.length > 0 ? found : ['Other']);
  for (const name of found) for (const extra of AUGMENTED[name] ?? []) set.add(extra);
  return set;
}

/** The scripts every one of the letters belongs to (UTS #39's resolved script set); empty when mixed. */
function resolvedScripts(letters: string[]): Set<string> {
  let common: Set<string> | undefined;
  for (const letter of letters) {
    const own = scriptsOf(letter);
    common = common ? new Set([...common].filter((s) => own.has(s))) : own;
  }
  return common ?? new Set(['Common']);
}

/**
 * The username profile applied when an account is created (issue 15, item 7): why the folded name is
 * refused, or null. On top of {@link USERNAME_PATTERN}: the letters must be of one script (digits and
 * punctuation go with any), or Latin with one of Japanese, Chinese (Han + Bopomofo) or Korean, UTS #39's
 * "highly restrictive" level: `аlice` with a Cyrillic `а` is refused. A Cyrillic or Greek name made only of
 * letters that look like Latin ones (`аре`, `ορ`) is refused too. Names are checked only at creation: an
 * existing account keeps signing in under its name.
 */
export function usernameProfileProblem(folded: string): string | null {
  const letters = [...folded].filter((c) => /\p{L}/u.test(c));
  if (letters.length === 0) return null;
  if (resolvedScripts(letters).size === 0) {
    const rest = letters.filter((c) => !/\p{Script_Extensions=Latin}/u.test(c));
    const cjk = resolvedScripts(rest);
    if (!['Jpan', 'Hanb', 'Kore'].some((s) => cjk.has(s)))
      return 'A username mixes letters of different scripts (such as Latin and Cyrillic).';
  }
  if (LATIN_LOOKALIKES.test(letters.join('')))
    return 'A username made only of letters that look like Latin ones is refused; write it in Latin letters.';
  return null;
}
