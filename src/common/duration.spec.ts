import { describe, expect, it } from '@jest/globals';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['1.5s', 1500],
    [2500, 2500],
  ])('parses %p', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', 'abc', '10', '-5m', '0s', '5 weeks', Number.NaN, 0, -1, Infinity])('rejects %p', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});
