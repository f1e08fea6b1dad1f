import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** What readPassword needs of standard input: a terminal's raw mode, when it is one. */
export type PasswordInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/** Ctrl-C while a password is typed: the CLI exits 130, as a shell does on SIGINT. */
export class PasswordPromptCancelled extends Error {
  constructor() {
    super('Cancelled.');
  }
}

/**
 * A password: on a terminal, typed after a prompt with nothing echoed (raw mode; Backspace edits, Enter ends,
 * Ctrl-C cancels); otherwise the first line of the input (a pipe or a file), without its line break.
 */
export async function readPassword(
  input: PasswordInput = process.stdin,
  prompt: Writable = process.stderr,
): Promise<string> {
  if (input.isTTY && typeof input.setRawMode === 'function') return readFromTerminal(input, prompt);
  const lines = createInterface({ input, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

function readFromTerminal(input: PasswordInput, prompt: Writable): Promise<string> {
  // Echo off before the prompt shows: what is typed (or pasted) the moment it appears is never echoed.
  input.setRawMode!(true);
  prompt.write('Password (not shown): ');
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    let password = '';
    const finish = (error?: Error): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.setRawMode!(false);
      input.pause();
      prompt.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onEnd = (): void => finish();
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(); // Enter, Ctrl-D
        if (ch === '\u0003') return finish(new PasswordPromptCancelled()); // Ctrl-C
        if (ch === '\u007f' || ch === '\b') password = [...password].slice(0, -1).join('');
        else if (ch >= ' ') password += ch;
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
  });
}
