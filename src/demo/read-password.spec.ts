import { describe, expect, it, jest } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { PasswordPromptCancelled, readPassword, type PasswordInput } from './read-password.js';

type FakeTerminal = PassThrough & PasswordInput & { setRawMode: jest.Mock<(raw: boolean) => unknown> };

function terminal(): FakeTerminal {
  const input = new PassThrough() as FakeTerminal;
  input.isTTY = true;
  input.setRawMode = jest.fn((_raw: boolean) => input);
  return input;
}

function sink(): PassThrough & { text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  return Object.assign(out, { text: () => text });
}

describe('readPassword', () => {
  it('on a terminal: raw mode, a prompt, nothing echoed, Backspace edits, Enter ends', async () => {
    const input = terminal();
    const out = sink();
    const password = readPassword(input, out);
    input.write('hunter22');
    input.write('\u007f\u007f33\r');
    expect(await password).toBe('hunter33');
    expect(input.setRawMode.mock.calls).toEqual([[true], [false]]);
    expect(out.text()).toBe('Password (not shown): \n');
  });

  it('on a terminal: Ctrl-C cancels and leaves raw mode', async () => {
    const input = terminal();
    const password = readPassword(input, sink());
    input.write('abc\u0003');
    await expect(password).rejects.toBeInstanceOf(PasswordPromptCancelled);
    expect(input.setRawMode.mock.calls).toEqual([[true], [false]]);
  });

  it('from a pipe: the first line, without its line break, and no prompt', async () => {
    const input = new PassThrough();
    const out = sink();
    const password = readPassword(input, out);
    input.end('a piped passphrase\r\nsecond line\n');
    expect(await password).toBe('a piped passphrase');
    expect(out.text()).toBe('');
  });
});
