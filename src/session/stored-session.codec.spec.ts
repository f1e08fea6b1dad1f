import { describe, expect, it } from '@jest/globals';
import { assertOneLine, decodeStoredSession, encodeStoredSession } from './stored-session.codec.js';

const META = {
  createdAt: 1_795_000_000_000,
  lastSeenAt: 1_795_000_123_456,
  absoluteExpiresAt: 1_795_043_200_000,
  remember: true,
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.0.0',
};

describe('stored session codec', () => {
  it('round-trips a signed-in session exactly', () => {
    const value = encodeStoredSession('u-1', '0', META, '{"consent":null,"cart":[1,2.5,"x\\ny"]}');
    expect(value.split('\n')).toHaveLength(6);
    expect(decodeStoredSession(value)).toEqual({
      userId: 'u-1',
      version: '0',
      meta: META,
      data: { consent: null, cart: [1, 2.5, 'x\ny'] },
    });
  });

  it('lets propagated lines win over the copy, and reads an anonymous session', () => {
    const value = `${encodeStoredSession('', '3', undefined, '{"consent":"old","a":1}')}\nconsent\t{"d":{"analytics":true}}`;
    expect(decodeStoredSession(value)).toEqual({
      userId: '',
      version: '3',
      meta: undefined,
      data: { consent: { d: { analytics: true } }, a: 1 },
    });
  });

  it('keeps control characters of a client-supplied user agent out of the layout', () => {
    const value = encodeStoredSession('u', '0', { ...META, userAgent: 'evil\nconsent\t{}' }, '{}');
    expect(decodeStoredSession(value)!.meta!.userAgent).toBe('evil consent {}');
    expect(decodeStoredSession(value)!.data).toEqual({});
  });

  it('stores a browser user agent in shorthand and lists it in full', () => {
    const userAgent =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const value = encodeStoredSession('u', '0', { ...META, userAgent }, '{}');
    expect(value.split('\n')[4].length).toBeLessThan(20);
    expect(decodeStoredSession(value)!.meta!.userAgent).toBe(userAgent);
  });

  it('treats a value of another layout as no session, and refuses IDs that would break it', () => {
    expect(decodeStoredSession('{"d":1}')).toBeNull();
    expect(decodeStoredSession(null)).toBeNull();
    expect(() => assertOneLine('A session user ID', 'a\nb')).toThrow('must not contain a newline');
  });
});
