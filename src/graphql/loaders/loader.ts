/**
 * A small DataLoader: `load(key)` calls made while one round of resolvers runs are collected and
 * answered by ONE call of the batch function; answers are cached for the life of the loader (one
 * request, see `loaders.ts`), so a key asked for twice is read once.
 */
export type BatchFn<K, V> = (keys: readonly K[]) => Promise<readonly V[]>;

export interface LoaderOptions<K> {
  /** The cache and dedupe key of a composite key (default: the key itself). */
  key?: (k: K) => string;
  /** At most this many keys per batch call (bounds the size of an `IN (…)` list). */
  maxBatch?: number;
}

interface Batch<K, V> {
  keys: K[];
  settle: { resolve: (v: V) => void; reject: (e: unknown) => void }[];
}

const resolved = Promise.resolve();

/**
 * Runs `fn` once every promise reaction queued now has run: a whole level of a GraphQL result
 * (every item of a list, every field of each) asks for its keys before the batch goes out.
 */
function afterThisRound(fn: () => void): void {
  void resolved.then(() => process.nextTick(fn));
}

export class Loader<K, V> {
  private readonly cache = new Map<string, Promise<V>>();
  private batch: Batch<K, V> | null = null;
  private readonly keyOf: (k: K) => string;
  private readonly maxBatch: number;

  constructor(
    private readonly batchFn: BatchFn<K, V>,
    opts: LoaderOptions<K> = {},
  ) {
    this.keyOf = opts.key ?? ((k) => String(k));
    this.maxBatch = Math.max(1, opts.maxBatch ?? 500);
  }

  load(key: K): Promise<V> {
    const id = this.keyOf(key);
    const hit = this.cache.get(id);
    if (hit) return hit;
    if (!this.batch || this.batch.keys.length >= this.maxBatch) {
      const b: Batch<K, V> = { keys: [], settle: [] };
      this.batch = b;
      afterThisRound(() => this.dispatch(b));
    }
    const b = this.batch;
    const p = new Promise<V>((resolve, reject) => {
      b.keys.push(key);
      b.settle.push({ resolve, reject });
    });
    this.cache.set(id, p);
    return p;
  }

  /** Caches a value read by another query of this request (e.g. rows of a page, by id); a cached key keeps its value. */
  prime(key: K, value: V): void {
    const id = this.keyOf(key);
    if (!this.cache.has(id)) this.cache.set(id, Promise.resolve(value));
  }

  loadMany(keys: readonly K[]): Promise<V[]> {
    return Promise.all(keys.map((k) => this.load(k)));
  }

  private dispatch(b: Batch<K, V>): void {
    if (this.batch === b) this.batch = null;
    const fail = (e: unknown) => {
      // a failed read is not cached: a later load tries again
      for (const k of b.keys) this.cache.delete(this.keyOf(k));
      b.settle.forEach((s) => s.reject(e));
    };
    let out: Promise<readonly V[]>;
    try {
      out = this.batchFn(b.keys);
    } catch (e) {
      fail(e);
      return;
    }
    out.then((values) => {
      if (values.length !== b.keys.length) return fail(new Error(`loader batch returned ${values.length} values for ${b.keys.length} keys`));
      b.settle.forEach((s, i) => s.resolve(values[i]));
    }, fail);
  }
}

/** Puts rows back in key order: `pick` finds each key's value among the rows (null: none). */
export function byKey<K, R, V>(keys: readonly K[], rows: readonly R[], rowKey: (r: R) => string, keyOf: (k: K) => string, pick: (found: R[] | undefined) => V): V[] {
  const groups = new Map<string, R[]>();
  for (const r of rows) {
    const k = rowKey(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return keys.map((k) => pick(groups.get(keyOf(k))));
}
