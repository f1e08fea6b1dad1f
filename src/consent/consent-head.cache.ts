import type { ConsentSnapshot } from './consent-subject.js';

/** A subject's chain head and current decision as this process last wrote or read them. */
export interface ChainState {
  seq: number;
  hash: string | null;
  snapshot: ConsentSnapshot | null;
}

/**
 * Bounded, least-recently-used map of chain states. Only a hint: a write states the head it expects and the
 * database refuses it when another writer moved on, so a stale or missing entry costs a read, never a fork.
 */
export class ConsentHeadCache {
  private readonly entries = new Map<string, ChainState>();

  constructor(private readonly capacity: number) {}

  get(key: string): ChainState | undefined {
    const state = this.entries.get(key);
    if (state) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, state);
    }
    return state;
  }

  set(key: string, state: ChainState): void {
    this.entries.delete(key);
    this.entries.set(key, state);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
