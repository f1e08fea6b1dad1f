import { describe, expect, it } from '@jest/globals';
import { MemorySessionStore } from './memory-session.store.js';
import type { SaveSessionInput } from './session.backend.js';
import { TestClock } from '../../test/support/clock.js';

const T0 = 1_000_000;

function input(over: Partial<SaveSessionInput> = {}): SaveSessionInput {
  return {
    mode: 'create',
    json: '{"a":1}',
    userId: 'u1',
    meta: undefined,
    expiresAt: T0 + 60_000,
    loadedVersion: '0',
    maxSessions: 0,
    policy: 'evict-oldest',
    epoch: '',
    ...over,
  };
}

describe('MemorySessionStore (the same contract as the Redis scripts)', () => {
  it('refuses to resurrect a destroyed session on update', async () => {
    const backend = new MemorySessionStore(new TestClock(T0));
    await backend.save('h1', input());
    await backend.destroyHandle('h1');
    expect(await backend.save('h1', input({ mode: 'update' }))).toBe('gone');
    expect(await backend.read('h1')).toBeNull();
  });

  it('expires sessions and prunes the index by the clock', async () => {
    const clock = new TestClock(T0);
    const backend = new MemorySessionStore(clock);
    await backend.save('h1', input());
    clock.advance(60_001);
    expect(await backend.read('h1')).toBeNull();
    expect(await backend.list('u1')).toEqual([]);
    expect(await backend.indexSize('u1')).toBe(0);
  });

  it.each([
    ['refuse', 'refused', ['a', 'b']],
    ['evict-oldest', 'ok', ['b', 'c']],
  ] as const)('applies maxSessions with %s', async (policy, result, left) => {
    const backend = new MemorySessionStore(new TestClock(T0));
    await backend.save('a', input({ expiresAt: 1_010_000 }));
    await backend.save('b', input({ expiresAt: 1_020_000 }));
    expect(await backend.save('c', input({ maxSessions: 2, policy }))).toBe(result);
    expect((await backend.list('u1')).map((s) => s.handle).sort()).toEqual(left);
  });

  it('keeps a propagated key over an older write-back, and folds it when the writer had seen it', async () => {
    const backend = new MemorySessionStore(new TestClock(T0));
    await backend.save('h', input({ json: '{"consent":"old"}' }));
    const before = (await backend.read('h'))!;
    expect(await backend.setKeyForUser('u1', 'consent', '"new"')).toBe(1);
    await backend.save('h', input({ mode: 'update', json: '{"consent":"old","x":1}', loadedVersion: before.version }));
    expect((await backend.read('h'))!.data).toEqual({ consent: 'new', x: 1 });
    const seen = (await backend.read('h'))!;
    await backend.save('h', input({ mode: 'update', json: '{"consent":"mine"}', loadedVersion: seen.version }));
    expect((await backend.read('h'))!.data).toEqual({ consent: 'mine' });
  });

  it('revokes only a session of the given user', async () => {
    const backend = new MemorySessionStore(new TestClock(T0));
    await backend.save('h', input());
    expect(await backend.destroyForUser('u2', 'h')).toBe(false);
    expect(await backend.destroyForUser('u1', 'h')).toBe(true);
    expect(await backend.read('h')).toBeNull();
  });
});
