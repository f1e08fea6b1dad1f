import { describe, expect, it } from '@jest/globals';
import { ConsentHeadCache } from './consent-head.cache.js';

const state = (seq: number) => ({ seq, hash: `h${seq}`, snapshot: null });

describe('ConsentHeadCache', () => {
  it('keeps at most its capacity, dropping the least recently used subject', () => {
    const cache = new ConsentHeadCache(2);
    cache.set('a', state(1));
    cache.set('b', state(1));
    expect(cache.get('a')).toEqual(state(1)); // a is now more recent than b
    cache.set('c', state(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(state(1));
    expect(cache.get('c')).toEqual(state(1));
  });

  it('replaces a subject in place and forgets it on delete', () => {
    const cache = new ConsentHeadCache(2);
    cache.set('a', state(1));
    cache.set('a', state(2));
    cache.set('b', state(1));
    expect(cache.get('a')).toEqual(state(2));
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toEqual(state(1));
  });
});
