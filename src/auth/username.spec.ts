import { describe, expect, it } from '@jest/globals';
import { foldUsername, mayNameAnAccount, USERNAME_PATTERN, usernameProfileProblem } from './username.js';

describe('usernames', () => {
  it('folds with NFKC, lower case and trimming', () => {
    expect(foldUsername('  ＡLICE ')).toBe('alice');
  });

  it.each(['alice', 'ali ce', 'ålice', 'a\u202eb'])('%j may name an account (looked up)', (name) => {
    expect(mayNameAnAccount(name)).toBe(true);
  });

  it.each(['', 'alice\u0000', 'al\u0000ice', '\u0001', 'a\tb', 'a\nb', 'a\u007f', 'a\u0085', 'a\u009f'])(
    '%j never does (a control character, or empty)',
    (name) => {
      expect(mayNameAnAccount(name)).toBe(false);
      expect(USERNAME_PATTERN.test(name)).toBe(false);
    },
  );

  // Issue 15, item 7: look-alike usernames were accepted at creation.
  it.each([
    ['a Cyrillic а in a Latin name', 'аlice'],
    ['a Greek ο in a Latin name', 'bοb'],
    ['Latin and Cyrillic around a digit', 'admin1н'],
    ['Latin and Arabic', 'aliceب'],
    ['a Cyrillic name made only of Latin look-alikes', 'аре'],
    ['a Greek name made only of Latin look-alikes', 'ορο'],
  ])('refuses %s (%j) at creation', (_what, name) => {
    expect(usernameProfileProblem(foldUsername(name))).toEqual(expect.any(String));
  });

  it.each([
    'alice',
    'alice.smith-2',
    'ålice',
    'zoë',
    'иван',
    'δημήτρης',
    '山田',
    '山田たろう',
    'tanaka山田',
    'kim김철수',
    '12345',
    'user@example.com',
  ])('accepts %j', (name) => {
    expect(usernameProfileProblem(foldUsername(name))).toBeNull();
  });
});
