import { describe, expect, it } from 'vitest';
import { byKey, Loader } from './loader';
import { groupOf, pageIdsSql, singlePageArgs, type PageTable } from './pages';

function recording<V>(answer: (k: string) => V) {
  const calls: string[][] = [];
  const loader = new Loader<string, V>(async (keys) => {
    calls.push([...keys]);
    return keys.map(answer);
  });
  return { calls, loader };
}

describe('Loader', () => {
  it('answers every load of one round with one batch call', async () => {
    const { calls, loader } = recording((k) => k.toUpperCase());
    const out = await Promise.all(['a', 'b', 'c'].map((k) => loader.load(k)));
    expect(out).toEqual(['A', 'B', 'C']);
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('collects loads made after awaiting already-settled promises in the same round', async () => {
    const { calls, loader } = recording((k) => k);
    const late = async (k: string) => {
      await Promise.resolve();
      await Promise.resolve();
      return loader.load(k);
    };
    await Promise.all([loader.load('a'), late('b')]);
    expect(calls).toEqual([['a', 'b']]);
  });

  it('reads a key once per loader, however often it is asked for', async () => {
    const { calls, loader } = recording((k) => ({ k }));
    const [x, y] = await Promise.all([loader.load('a'), loader.load('a')]);
    const z = await loader.load('a');
    expect(x).toBe(y);
    expect(z).toBe(x);
    expect(calls).toEqual([['a']]);
  });

  it('serves a primed key from the cache, and keeps a value already cached', async () => {
    const { calls, loader } = recording((k) => `read ${k}`);
    expect(await loader.load('a')).toBe('read a');
    loader.prime('a', 'primed a');
    loader.prime('b', 'primed b');
    expect(await loader.loadMany(['a', 'b'])).toEqual(['read a', 'primed b']);
    expect(calls).toEqual([['a']]);
  });

  it('splits a round into batches of at most maxBatch keys', async () => {
    const calls: number[] = [];
    const loader = new Loader<number, number>(
      async (keys) => {
        calls.push(keys.length);
        return keys.map((k) => k * 2);
      },
      { maxBatch: 2, key: String },
    );
    expect(await loader.loadMany([1, 2, 3, 4, 5])).toEqual([2, 4, 6, 8, 10]);
    expect(calls).toEqual([2, 2, 1]);
  });

  it('rejects every load of a failed batch and does not cache the failure', async () => {
    let fail = true;
    const loader = new Loader<string, string>(async (keys) => {
      if (fail) throw new Error('store down');
      return keys.map((k) => k);
    });
    await expect(Promise.all([loader.load('a'), loader.load('b')])).rejects.toThrow('store down');
    fail = false;
    expect(await loader.load('a')).toBe('a');
  });

  it('rejects a batch that answers a different number of keys', async () => {
    const loader = new Loader<string, string>(async () => ['only one']);
    await expect(Promise.all([loader.load('a'), loader.load('b')])).rejects.toThrow('returned 1 values for 2 keys');
  });
});

describe('byKey', () => {
  it('puts rows back in key order, with what pick makes of a missing key', () => {
    const rows = [{ p: 'b', v: 1 }, { p: 'a', v: 2 }, { p: 'b', v: 3 }];
    expect(byKey(['a', 'b', 'c'], rows, (r) => r.p, String, (f) => (f ?? []).map((r) => r.v))).toEqual([[2], [1, 3], []]);
  });
});

describe('pages', () => {
  const spec: PageTable = { table: 'ScalingDecision', parent: 'workloadId', order: [{ name: 'at', cast: 'timestamptz' }, { name: 'id', cast: 'uuid' }], dir: 'desc' };
  const account = '11111111-1111-4111-8111-111111111111';

  it('reads each parent’s page in its own LATERAL subquery, filtered by the account, newest first', () => {
    const q = pageIdsSql(spec, account, ['p1', 'p2'], { after: ['2026-12-07T00:00:00.000Z', 'x'], limit: 6, inverted: false });
    expect(q.text).toContain('CROSS JOIN LATERAL');
    expect(q.text).toContain('c."accountId" = $3::uuid');
    expect(q.text).toContain('(t."at",t."id") < ($4::timestamptz,$5::uuid)');
    expect(q.text).toContain('ORDER BY t."at" DESC,t."id" DESC');
    expect(q.values).toEqual(['p1', 'p2', account, '2026-12-07T00:00:00.000Z', 'x', 6]);
  });

  it('reverses the order for `last` (inverted) and bounds it by `before`', () => {
    const q = pageIdsSql(spec, account, ['p1'], { before: ['2026-12-07T00:00:00.000Z', 'x'], limit: 3, inverted: true });
    expect(q.text).toContain('(t."at",t."id") > ($3::timestamptz,$4::uuid)');
    expect(q.text).toContain('ORDER BY t."at" ASC,t."id" ASC');
  });

  it('reads a lone page with one Prisma query in the same order and account', () => {
    const args = singlePageArgs(spec, account, { parent: 'p1', after: ['2026-12-07T00:00:00.000Z', 'x'], limit: 6, inverted: false });
    expect(args.where).toMatchObject({ workloadId: 'p1', cluster: { accountId: account } });
    expect(args.orderBy).toEqual([{ at: 'desc' }, { id: 'desc' }]);
    expect(args.take).toBe(6);
    expect(JSON.stringify(args.where.AND)).toContain('"lt"');
  });

  it('groups only pages with the same arguments', () => {
    expect(groupOf({ parent: 'a', limit: 5, inverted: false })).toBe(groupOf({ parent: 'b', limit: 5, inverted: false }));
    expect(groupOf({ parent: 'a', limit: 5, inverted: false })).not.toBe(groupOf({ parent: 'a', limit: 6, inverted: false }));
    expect(groupOf({ parent: 'a', limit: 5, inverted: false, filters: { namespace: 'x' } })).not.toBe(groupOf({ parent: 'a', limit: 5, inverted: false }));
  });
});
