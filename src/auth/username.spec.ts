import { describe, expect, it } from '@jest/globals';
import { foldUsername, mayNameAnAccount, USERNAME_PATTERN } from './username.js';

describe('usernames', () => {
  it('folds with NFKC, lower case and trimming', () => {
    expect(foldUsername('  ＡLICE ')).toBe('alice');
  });

  it.each(['alice', 'ali ce', 'ålice', 'a\u202eb'])('%j may name an account (looked up)', (name) => {
    expect(mayNameAnAccount(name)).toBe(true);
  });

  it.each(['', 'alice\u0000', 'al\u0000ice', '\u0001', 'a\tb', 'a\nb', 'a\u007f', 'a\u0085', 'a\u009f'])('%j never does (a control character, or empty)', (name) => {
    expect(mayNameAnAccount(name)).toBe(false);
    expect(USERNAME_PATTERN.test(name)).toBe(false);
  });
});
