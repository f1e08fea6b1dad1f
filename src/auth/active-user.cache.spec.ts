import { describe, expect, it } from '@jest/globals';
import { ActiveUserCache } from './active-user.cache.js';

const ada = { id: 'a', username: 'ada', roles: [] };

describe('ActiveUserCache', () => {
  it('reuses a user until the TTL has passed', () => {
    const cache = new ActiveUserCache(10_000);
    cache.set('a', ada, 0);
    expect(cache.get('a', 9_999)).toBe(ada);
    expect(cache.get('a', 10_000)).toBeUndefined();
  });

  it('forgets a user at once when told (password change, disabling)', () => {
    const cache = new ActiveUserCache(10_000);
    cache.set('a', ada, 0);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
  });

  it('keeps nothing with a TTL of 0', () => {
    const cache = new ActiveUserCache(0);
    cache.set('a', ada, 0);
    expect(cache.get('a', 0)).toBeUndefined();
  });

  it('stays bounded, dropping the oldest entries', () => {
    const cache = new ActiveUserCache(60_000);
    for (let i = 0; i < 10_050; i++) cache.set(String(i), { ...ada, id: String(i) }, 0);
    expect(cache.get('0', 1)).toBeUndefined();
    expect(cache.get('10049', 1)?.id).toBe('10049');
  });
});
