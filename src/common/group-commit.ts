/** One queued item, with the keys of the rows it writes. */
interface Pending<T, R> {
  item: T;
  keys: readonly string[];
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Group commit: at most `maxInFlight` flushes run at once; what arrives while they are busy waits and goes
 * out together in the next one. An idle writer therefore sends each item alone at once, and a busy one sends
 * many per statement, paying the per-statement cost (round trip, parse, commit) once for all of them.
 * A batch never holds two items that write the same key: the later one waits for the next batch.
 * A batch that fails with an error `retryAlone` accepts (one that says nothing was written) is flushed
 * again item by item, so one item at fault does not fail the others.
 */
export class GroupCommit<T, R> {
  private readonly queue: Array<Pending<T, R>> = [];
  private inFlight = 0;

  constructor(
    /** Writes the batch; answers one result per item, in order, or throws for all of them. */
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly maxInFlight: number,
    private readonly maxBatch: number,
    private readonly retryAlone: (err: unknown) => boolean = () => false,
  ) {
    if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1 && Number.isInteger(maxBatch) && maxBatch >= 1)) {
      throw new RangeError(
        `GroupCommit needs whole maxInFlight and maxBatch of at least 1 (got ${maxInFlight}, ${maxBatch}).`,
      );
    }
  }

  submit(item: T, keys: readonly string[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, keys, resolve, reject });
      this.pump();
    });
  }

  /** Items waiting for a flush (not those being flushed). */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.take();
      this.inFlight++;
      void this.run(batch);
    }
  }

  /** Up to maxBatch items in arrival order, skipping (and keeping queued) any that share a key with one taken. */
  private take(): Array<Pending<T, R>> {
    const batch: Array<Pending<T, R>> = [];
    const taken = new Set<string>();
    let kept = 0;
    for (let i = 0; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (batch.length < this.maxBatch && p.keys.every((k) => !taken.has(k))) {
        batch.push(p);
        for (const k of p.keys) taken.add(k);
      } else {
        this.queue[kept++] = p;
      }
    }
    this.queue.length = kept;
    return batch;
  }

  private async run(batch: Array<Pending<T, R>>): Promise<void> {
    try {
      await this.settle(batch);
    } catch (err) {
      if (batch.length > 1 && this.retryAlone(err))
        await Promise.all(batch.map((p) => this.settle([p]).catch((e: unknown) => p.reject(e))));
      else for (const p of batch) p.reject(err);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }

  private async settle(batch: Array<Pending<T, R>>): Promise<void> {
    const results = await this.flush(batch.map((p) => p.item));
    if (results.length !== batch.length)
      throw new Error(`A group commit answered ${results.length} results for ${batch.length} items.`);
    batch.forEach((p, i) => p.resolve(results[i]));
  }
}
