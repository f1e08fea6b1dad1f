/**
 * Lossless shorthand for the user agent kept in every stored session. A browser's user agent is 70-140 bytes
 * of which most is boilerplate every browser repeats ("Mozilla/5.0 (", "AppleWebKit/537.36 (KHTML, like
 * Gecko)"); replaced by single control bytes it shrinks to 15-40, about a quarter of a session's Redis memory.
 * HTTP header values cannot carry control bytes, so a placeholder never collides with real text; any control
 * byte in the input is turned into a space first, so whatever is stored expands back unambiguously.
 */
const TOKENS: readonly string[] = [
  ') AppleWebKit/537.36 (KHTML, like Gecko) Chrome/',
  ') AppleWebKit/605.1.15 (KHTML, like Gecko) ',
  ') Gecko/20100101 Firefox/',
  'Macintosh; Intel Mac OS X 10_15_7',
  'Windows NT 10.0; Win64; x64',
  ' Mobile/15E148 Safari/604.1',
  'iPhone; CPU iPhone OS ',
  'Linux; Android 10; K',
  ' Safari/537.36',
  'Mozilla/5.0 (',
  ' like Mac OS X',
  'X11; Linux x86_64',
  'Version/',
  ' Mobile',
  ' Edg/',
];

// Control bytes other than tab, newline and carriage return (the stored layout's separators).
const CODES = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18].map((c) => String.fromCharCode(c));
// eslint-disable-next-line no-control-regex -- matching control bytes is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

export function compactUserAgent(agent: string): string {
  let out = agent.replace(CONTROL, ' ');
  for (let i = 0; i < TOKENS.length; i++) out = out.replaceAll(TOKENS[i], CODES[i]);
  return out;
}

export function expandUserAgent(stored: string): string {
  let out = stored;
  for (let i = TOKENS.length - 1; i >= 0; i--) out = out.replaceAll(CODES[i], TOKENS[i]);
  return out;
}
