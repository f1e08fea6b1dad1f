import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { SessionCookie } from './session-cookie.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123';
const OLD = 'an-older-secret-that-is-also-long-enough-01';

/** What express-session (cookie-signature) issued: the format must stay readable across the switch. */
function expressSessionValue(id: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${id}.${mac}`);
}

describe('SessionCookie', () => {
  const cookie = new SessionCookie('sid', [SECRET, OLD], true);
  /** The session ID a Cookie header names, as the session layer reads it. */
  const read = (header: string | undefined) => {
    const raw = cookie.valueIn(header);
    return raw === undefined ? undefined : cookie.verify(raw)?.id;
  };

  it('reads back what it issues, with the flags of a session cookie', () => {
    const id = SessionCookie.newId();
    const header = cookie.serialize(id, undefined);
    expect(header).toMatch(/^sid=s%3A[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(read(header.split(';')[0])).toBe(id);
    expect(cookie.serialize(id, Date.UTC(2030, 0, 1))).toContain('; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly');
  });

  it('reads cookies issued by express-session and by a secret being rotated out, and says which', () => {
    expect(read(`a=1; sid=${expressSessionValue('abc123', SECRET)}; b=2`)).toBe('abc123');
    expect(read(`a=1;sid=${expressSessionValue('abc123', SECRET)}`)).toBe('abc123');
    expect(cookie.verify(decodeURIComponent(expressSessionValue('abc123', SECRET)))).toEqual({ id: 'abc123', rotated: false });
    expect(cookie.verify(expressSessionValue('abc123', OLD))).toEqual({ id: 'abc123', rotated: true });
  });

  it.each([
    ['no cookie header', undefined],
    ['another cookie only', 'other=1'],
    ['a name that merely ends in sid', `xsid=${expressSessionValue('abc', SECRET)}`],
    ['a look-alike inside another cookie value', `a=x sid=${expressSessionValue('abc', SECRET)}`],
    ['an unknown secret', `sid=${expressSessionValue('abc', 'some-other-secret-that-is-long-enough-00')}`],
    ['a forged ID under a valid signature', `sid=${expressSessionValue('abc', SECRET).replace('abc', 'abd')}`],
    ['a truncated signature', `sid=${expressSessionValue('abc', SECRET).slice(0, -3)}`],
    ['no signature', 'sid=s%3Aabc'],
    ['an unsigned value', 'sid=abc'],
    ['bad percent-encoding', 'sid=s%3Aabc.%E0%A4%A'],
    ['an empty value', 'sid='],
  ])('refuses %s', (_case, header) => {
    expect(read(header)).toBeUndefined();
  });

  it('takes the first of two session cookies, as browsers send the most specific first', () => {
    const first = expressSessionValue('first', SECRET);
    const second = expressSessionValue('second', SECRET);
    expect(read(`sid=${first}; sid=${second}`)).toBe('first');
  });
});
