import { describe, expect, it } from '@jest/globals';
import { isDeletingSetCookie, parseCookieDate, setCookieName } from './set-cookie.js';

const NOW = Date.UTC(2026, 5, 1);
const now = () => NOW;
const PAST = 'Thu, 01 Jan 1970 00:00:00 GMT';
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';

describe('setCookieName: the name the cookie is sent back under', () => {
  it.each([
    ['demo_analytics=1; Path=/', 'demo_analytics'],
    [' \tdemo_analytics =1', 'demo_analytics'],
    // Nameless cookies (RFC 6265bis §5.6): sent back as their bare value.
    ['=demo_analytics=1', 'demo_analytics'],
    ['==demo_analytics=1', 'demo_analytics'],
    [' = demo_analytics=1', 'demo_analytics'],
    ['demo_analytics', 'demo_analytics'],
    ['demo_analytics; Path=/', 'demo_analytics'],
    ['demo_analytics;x=1', 'demo_analytics'],
    // Only space and tab are trimmed, as browsers do.
    ['\u00a0demo_analytics=1', '\u00a0demo_analytics'],
    ['', ''],
    ['=', ''],
  ])('%j → %j', (setCookie, name) => {
    expect(setCookieName(setCookie)).toBe(name);
  });
});

describe('parseCookieDate: the form servers send', () => {
  it.each([
    [PAST, 0],
    ['thu, 01 jan 1970 00:00:01 gmt', 1000],
    ['Thu, 01-Jan-1970 00:00:00 GMT', 0],
    ['Sun, 29 Feb 2032 23:59:59 GMT', Date.UTC(2032, 1, 29, 23, 59, 59)],
    ['Tue, 29 Feb 2000 00:00:00 GMT', Date.UTC(2000, 1, 29)],
    ['Thu, 31 Dec 2099 00:00:00 GMT', Date.UTC(2099, 11, 31)],
  ])('%j → %i', (text, at) => {
    expect(parseCookieDate(text)).toBe(at);
  });

  it.each([
    'Sat, 31 Feb 1970 00:00:00 GMT',
    'Mon, 29 Feb 2100 00:00:00 GMT',
    'Thu, 31 Apr 1970 00:00:00 GMT',
    'Thu, 00 Jan 1970 00:00:00 GMT',
    'Thu, 01 Jan 1000 00:00:00 GMT',
    'Thu, 01 Jan 1970 24:00:00 GMT',
    'Jan, 01 Feb 1970 00:00:00 GMT',
    '01abc Jan 1970 00:00:00 GMT',
    'Thu, 01 Jan 1970 00:00:00 PST',
    '1970-01-01T00:00:00Z',
    'garbage',
    '',
  ])('%j → NaN (a browser may read it otherwise, or keep a session cookie)', (text) => {
    expect(parseCookieDate(text)).toBeNaN();
  });
});

describe('isDeletingSetCookie', () => {
  it.each([
    'a=; Max-Age=0',
    'a=; max-age = -1 ',
    'a=; Max-Age=-0',
    'a=; Max-Age=0; Max-Age=-5',
    `a=; Expires=${PAST}`,
    `a=; Path=/; Expires=${PAST}; HttpOnly`,
    `a=; Expires=${FUTURE}; Max-Age=0`,
    `a=; Expires=${PAST}; Expires=Thu, 01-Jan-1970 00:00:01 GMT`,
  ])('%j deletes', (setCookie) => {
    expect(isDeletingSetCookie(setCookie, now)).toBe(true);
  });

  it.each([
    'a=1',
    'a=1; Max-Age=31536000',
    // The three: browsers apply the last attribute and ignore an invalid Max-Age.
    'a=1; Max-Age=0; Max-Age=31536000',
    `a=1; Max-Age=0x; Expires=${FUTURE}`,
    `a=1; Expires=${PAST}; Expires=${FUTURE}`,
    // First-wins and last-wins readings disagree: not deleting under every reading.
    'a=1; Max-Age=31536000; Max-Age=0',
    `a=1; Expires=${FUTURE}; Expires=${PAST}`,
    // Chromium takes the last Max-Age even when invalid, then falls back to a session cookie.
    'a=1; Max-Age=0; Max-Age=abc',
    'a=1; Max-Age=0; Max-Age',
    'a=1; Max-Age=0; Max-Age=',
    `a=1; Expires=${PAST}; Expires=garbage`,
    // Chromium ignores attribute values over 1024 characters.
    `a=1; Max-Age=5; Max-Age=${'0'.repeat(1025)}`,
    `a=1; Max-Age=${'0'.repeat(1025)}`,
    // Max-Age decides over Expires.
    `a=1; Max-Age=60; Expires=${PAST}`,
    `a=1; Expires=${PAST}; Max-Age=60`,
    'a=1; Max-Age=+0',
    'a=1; Max-Age="0"',
    'a=1; Max-Age=0.5',
    'a=1; Expires=Sat, 31 Feb 1970 00:00:00 GMT',
    'a=1; Expires=01abc Jan 1970 00:00:00 GMT',
    'a=1; Expires=',
    'a=1; xMax-Age=0',
    'a=1; Path=/Max-Age=0',
    // Not an attribute: part of the cookie's value.
    'a=Max-Age=0',
  ])('%j stores', (setCookie) => {
    expect(isDeletingSetCookie(setCookie, now)).toBe(false);
  });

  it("judges Expires against the response's time, not only now", () => {
    const setCookie = 'a=1; Expires=Wed, 01 Jan 2020 00:00:00 GMT';
    expect(isDeletingSetCookie(setCookie, now)).toBe(true);
    expect(isDeletingSetCookie(setCookie, () => Date.UTC(2000, 0, 1))).toBe(false);
    expect(isDeletingSetCookie(setCookie, () => -Infinity)).toBe(false);
  });

  it('reads the response time only when an Expires decides', () => {
    let reads = 0;
    const counting = () => (reads++, NOW);
    isDeletingSetCookie('a=1; Max-Age=0', counting);
    isDeletingSetCookie('a=1; Path=/', counting);
    isDeletingSetCookie(`a=1; Max-Age=60; Path=/; Expires=${PAST}`, counting);
    isDeletingSetCookie('a=1; Expires=garbage', counting);
    expect(reads).toBe(0);
  });
});
