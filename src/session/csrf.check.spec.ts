import { describe, expect, it } from '@jest/globals';
import { isCrossOrigin } from './csrf.check.js';

const allowed = new Set(['https://trusted.example']);
const HOST = 'app.example';

// In the style of Go 1.25's net/http CrossOriginProtection tests: method, headers, expected verdict.
const table: Array<[string, string, Record<string, string>, boolean]> = [
  ['same-origin browser request', 'POST', { 'sec-fetch-site': 'same-origin' }, false],
  ['user-initiated navigation', 'POST', { 'sec-fetch-site': 'none' }, false],
  ['cross-site', 'POST', { 'sec-fetch-site': 'cross-site' }, true],
  ['same-site (sibling subdomain)', 'POST', { 'sec-fetch-site': 'same-site' }, true],
  [
    'cross-site from an allowed origin',
    'POST',
    { 'sec-fetch-site': 'cross-site', origin: 'https://trusted.example' },
    false,
  ],
  [
    'same-site from an allowed origin',
    'PUT',
    { 'sec-fetch-site': 'same-site', origin: 'https://trusted.example' },
    false,
  ],
  [
    'cross-site with a spoofed matching origin is still cross-site',
    'POST',
    { 'sec-fetch-site': 'cross-site', origin: 'https://app.example' },
    true,
  ],
  ['no headers (non-browser client)', 'POST', {}, false],
  ['old browser, same origin', 'POST', { origin: 'https://app.example' }, false],
  ['old browser, same host other scheme', 'POST', { origin: 'http://app.example' }, false],
  ['old browser, cross origin', 'POST', { origin: 'https://evil.example' }, true],
  ['old browser, other port', 'POST', { origin: 'https://app.example:8443' }, true],
  ['old browser, allowed origin', 'DELETE', { origin: 'https://trusted.example' }, false],
  ['Origin: null', 'POST', { origin: 'null' }, true],
  ['garbage Origin', 'PATCH', { origin: 'not a url' }, true],
  ['GET cross-site is safe', 'GET', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, false],
  ['HEAD cross-site is safe', 'HEAD', { 'sec-fetch-site': 'cross-site' }, false],
  ['OPTIONS cross-site is safe', 'OPTIONS', { origin: 'https://evil.example' }, false],
  ['lower-case method', 'post', { 'sec-fetch-site': 'cross-site' }, true],
  ['DELETE cross-site', 'DELETE', { 'sec-fetch-site': 'cross-site' }, true],
];

describe('isCrossOrigin (CSRF decision)', () => {
  it.each(table)('%s', (_name, method, headers, rejected) => {
    expect(isCrossOrigin(method, headers, HOST, allowed)).toBe(rejected);
  });
});
