/**
 * A bounded write-through cache of decoded rows. Sound only because SQLite mode is one process
 * with an exclusive lock: every write goes through this adapter, which updates the cache after
 * its transaction commits, so a cached object always equals the stored row.
 */
export class RowCache<T> {
  private readonly map = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(id: string): T | undefined {
    return this.map.get(id);
  }

  set(id: string, value: T): void {
    if (!this.map.has(id) && this.map.size >= this.capacity) {
      // Evict the oldest entry (Map keeps insertion order).
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(id, value);
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  /** Drop every entry matching `pred` (rare bulk changes). */
  deleteWhere(pred: (value: T) => boolean): void {
    for (const [id, v] of this.map) if (pred(v)) this.map.delete(id);
  }

  clear(): void {
    this.map.clear();
  }
}
