import { describe, expect, it } from '@jest/globals';
import { GroupCommit } from './group-commit.js';

/** A flush whose calls stay open until the test releases them, recording what each carried. */
function controlledFlush() {
  const calls: Array<{ items: string[]; release(err?: Error): void }> = [];
  const flush = (items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ items, release: (err) => (err ? reject(err) : resolve(items.map((i) => `ok:${i}`))) });
    });
  return { calls, flush };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommit', () => {
  it('sends an item at once when idle, and groups what arrives while the flushes in flight are busy', async () => {
    const { calls, flush } = controlledFlush();
    const group = new GroupCommit(flush, 1, 10);
    const first = group.submit('a', ['a']);
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    const rest = ['b', 'c', 'd'].map((i) => group.submit(i, [i]));
    expect(calls).toHaveLength(1);
    expect(group.waiting).toBe(3);
    calls[0].release();
    expect(await first).toBe('ok:a');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1].release();
    expect(await Promise.all(rest)).toEqual(['ok:b', 'ok:c', 'ok:d']);
    expect(group.waiting).toBe(0);
  });

  it('runs up to maxInFlight flushes at once and caps each at maxBatch items', async () => {
    const { calls, flush } = controlledFlush();
    const group = new GroupCommit(flush, 2, 2);
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => group.submit(i, [i]));
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b']]);
    calls[0].release();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b'], ['c', 'd']]);
    calls[1].release();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b'], ['c', 'd'], ['e', 'f']]);
    calls[2].release();
    calls[3].release();
    expect(await Promise.all(all)).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:d', 'ok:e', 'ok:f']);
  });

  it('never puts two items that write the same key in one flush, and keeps the later one in order', async () => {
    const { calls, flush } = controlledFlush();
    const group = new GroupCommit(flush, 1, 10);
    void group.submit('busy', ['busy']);
    const queued = [
      group.submit('user1', ['user:1', 'visitor:v']),
      group.submit('visitor', ['visitor:v']),
      group.submit('user2', ['user:2']),
    ];
    calls[0].release();
    await tick();
    expect(calls[1].items).toEqual(['user1', 'user2']);
    calls[1].release();
    await tick();
    expect(calls[2].items).toEqual(['visitor']);
    calls[2].release();
    expect(await Promise.all(queued)).toEqual(['ok:user1', 'ok:visitor', 'ok:user2']);
  });

  it('fails every item of a flush that fails, and goes on with the next ones', async () => {
    const { calls, flush } = controlledFlush();
    const group = new GroupCommit(flush, 1, 10);
    const first = group.submit('a', ['a']);
    const grouped = [group.submit('b', ['b']), group.submit('c', ['c'])];
    calls[0].release();
    await first;
    await tick();
    calls[1].release(new Error('connection lost'));
    for (const p of grouped) await expect(p).rejects.toThrow('connection lost');
    const later = group.submit('d', ['d']);
    calls[2].release();
    expect(await later).toBe('ok:d');
  });

  it('tries each item alone after a refusal retryAlone accepts, so only the one at fault fails', async () => {
    const flushed: string[][] = [];
    const group = new GroupCommit(
      async (items: string[]) => {
        flushed.push(items);
        await tick();
        if (items.includes('bad')) throw Object.assign(new Error('refused'), { code: '23514' });
        return items.map((i) => `ok:${i}`);
      },
      1,
      10,
      (err) => (err as { code?: string }).code === '23514',
    );
    const first = group.submit('a', ['a']);
    const grouped = ['b', 'bad', 'c'].map((i) => group.submit(i, [i]));
    expect(await first).toBe('ok:a');
    const settled = await Promise.allSettled(grouped);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'ok:b',
      'refused',
      'ok:c',
    ]);
    expect(flushed).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
  });

  it('refuses a flush that answers a different number of results', async () => {
    const group = new GroupCommit(async () => ['only one'], 1, 10);
    const first = group.submit('a', ['a']);
    const grouped = [group.submit('b', ['b']), group.submit('c', ['c'])];
    await first;
    for (const p of grouped) await expect(p).rejects.toThrow('answered 1 results for 2 items');
  });

  it('refuses limits below one at construction', () => {
    expect(() => new GroupCommit(async () => [], 0, 1)).toThrow(RangeError);
    expect(() => new GroupCommit(async () => [], 1, 1.5)).toThrow(RangeError);
  });
});

describe('GroupCommit when a statement times out', () => {
  it('fails only the group whose statement timed out (not retried alone: its outcome is unknown) and moves on', async () => {
    const { calls, flush } = controlledFlush();
    const refused = (err: unknown) => (err as { code?: string }).code === '23505';
    const group = new GroupCommit(flush, 1, 10, refused);
    const first = ['a', 'b'].map((i) => group.submit(i, [i]));
    const later = ['c', 'd'].map((i) => group.submit(i, [i]));
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    calls[0].release(new Error('Query read timeout'));
    await expect(first[0]).rejects.toThrow('Query read timeout');
    await tick();
    // The next group goes out at once and is not failed by the one before it.
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c', 'd']]);
    calls[1].release();
    expect(await Promise.all([first[1], ...later])).toEqual(['ok:b', 'ok:c', 'ok:d']);
    expect(calls).toHaveLength(2);
  });
});
