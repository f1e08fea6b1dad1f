import { describe, expect, it } from '@jest/globals';
import { LAST_SIGN_IN_FLUSH_MS, LastSignInRecorder } from './last-sign-in.recorder.js';
import { UserStore, type StoredUser } from './user.store.js';

/** The writes a store was asked for, in order. */
class RecordingStore extends UserStore {
  readonly writes: Array<{ ids: string[]; at: number }> = [];
  fail = false;
  findByUsername = async (): Promise<StoredUser | null> => null;
  findById = async (): Promise<StoredUser | null> => null;
  create = async (): Promise<StoredUser> => {
    throw new Error('not used');
  };
  updatePasswordHash = async (): Promise<void> => undefined;
  setDisabled = async (): Promise<void> => undefined;
  override async recordLogins(ids: string[], at: Date): Promise<void> {
    if (this.fail) throw new Error('database down');
    this.writes.push({ ids: [...ids].sort(), at: at.getTime() });
  }
}

/** A store with only the per-user method. */
class SingleStore extends RecordingStore {
  override recordLogins = undefined as unknown as RecordingStore['recordLogins'];
  override async recordLogin(id: string, at: Date): Promise<void> {
    this.writes.push({ ids: [id], at: at.getTime() });
  }
}

const T = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('LastSignInRecorder', () => {
  it('writes the sign-ins of one second in one write, with the latest time, and each user once', async () => {
    const store = new RecordingStore();
    const recorder = new LastSignInRecorder(store);
    recorder.record('a', new Date(T + 100));
    recorder.record('b', new Date(T + 300));
    recorder.record('a', new Date(T + 500));
    recorder.record('c', new Date(T + 1200));
    await recorder.flush();
    expect(store.writes).toEqual([
      { ids: ['a', 'b'], at: T + 500 },
      { ids: ['c'], at: T + 1200 },
    ]);
    await recorder.flush();
    expect(store.writes).toHaveLength(2);
  });

  it('writes by itself within the flush interval', async () => {
    const store = new RecordingStore();
    const recorder = new LastSignInRecorder(store);
    recorder.record('a', new Date(T));
    expect(store.writes).toHaveLength(0);
    await new Promise((r) => setTimeout(r, LAST_SIGN_IN_FLUSH_MS + 200));
    expect(store.writes).toEqual([{ ids: ['a'], at: T }]);
  });

  it('writes what is pending at shutdown', async () => {
    const store = new RecordingStore();
    const recorder = new LastSignInRecorder(store);
    recorder.record('a', new Date(T));
    await recorder.beforeApplicationShutdown();
    expect(store.writes).toEqual([{ ids: ['a'], at: T }]);
  });

  it('calls recordLogin per user when the store has no batch method', async () => {
    const store = new SingleStore();
    const recorder = new LastSignInRecorder(store);
    recorder.record('a', new Date(T));
    recorder.record('b', new Date(T + 1));
    await recorder.flush();
    expect(store.writes).toEqual([
      { ids: ['a'], at: T },
      { ids: ['b'], at: T + 1 },
    ]);
  });

  it('never throws when the write fails, and keeps working afterwards', async () => {
    const store = new RecordingStore();
    const recorder = new LastSignInRecorder(store);
    store.fail = true;
    recorder.record('a', new Date(T));
    await expect(recorder.flush()).resolves.toBeUndefined();
    store.fail = false;
    recorder.record('b', new Date(T));
    await recorder.flush();
    expect(store.writes).toEqual([{ ids: ['b'], at: T }]);
  });
});
