import { describe, expect, it } from '@jest/globals';
import { compactUserAgent, expandUserAgent } from './user-agent-shorthand.js';

const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
];

describe('user agent shorthand', () => {
  it.each(BROWSERS)('stores %s in under a third of its length and gives it back exactly', (agent) => {
    const stored = compactUserAgent(agent);
    expect(stored.length).toBeLessThan(agent.length / 3);
    expect(expandUserAgent(stored)).toBe(agent);
  });

  it('gives back any other text exactly, including text that repeats or nests the tokens', () => {
    for (const agent of [
      'curl/8.5.0',
      'node',
      '',
      'Mozilla/5.0 (Mozilla/5.0 ( Safari/537.36 Safari/537.36',
      'Version/Version/ Mobile Mobile Edg/',
    ]) {
      expect(expandUserAgent(compactUserAgent(agent))).toBe(agent);
    }
  });

  it('turns control bytes a client sends into spaces, so a stored placeholder is never ambiguous', () => {
    const hostile = 'a\u0001b\u0002c\nd\te\rf\u007f';
    expect(compactUserAgent(hostile)).toBe('a b c d e f ');
    expect(expandUserAgent(compactUserAgent(hostile))).toBe('a b c d e f ');
  });
});
