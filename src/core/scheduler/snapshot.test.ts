import { describe, expect, it } from 'vitest';
import { assume, forget, nominate, nominatePlaced, Snapshot } from '.';
import { host, option, placed, pod } from './testing';

describe('Snapshot', () => {
  it('interleaves zones in its walk order, as kube-scheduler’s node tree lists nodes', () => {
    const snap = new Snapshot([
      host('a1', { zone: 'a' }),
      host('a2', { zone: 'a' }),
      host('a3', { zone: 'a' }),
      host('b1', { zone: 'b' }),
      host('c1', { zone: 'c' }),
      host('c2', { zone: 'c' }),
    ]);
    expect([...snap.visitOrder].map((i) => snap.hosts[i].id)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
  });

  it('groups hosts alike in everything but their hostname into one class', () => {
    const snap = new Snapshot([host('a'), host('b'), host('c', { cpuType: 'amd' }), host('d', { zone: 'z2' }), host('e', { requested: { cpuMilli: 5 } })]);
    expect([...snap.hostClass]).toEqual([0, 0, 1, 2, 0]);
  });

  it('works on copies: assume and forget never change the caller’s hosts', () => {
    const given = host('h');
    const snap = new Snapshot([given]);
    const p = pod('p', { labels: { app: 'x' } });
    assume(snap, p, 'h', option({ cpuMilli: 3000, memoryMi: 4096, gpuMilli: 0 }), 42);
    expect(given.requested).toEqual({ cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 });
    expect(given.pods).toEqual([]);
    expect(snap.host('h')!.requested).toEqual({ cpuMilli: 3000, memoryMi: 4096, gpuMilli: 0, pods: 1 });
    expect(snap.host('h')!.pods).toEqual([expect.objectContaining({ uid: 'uid-p', startTime: 42, labels: { app: 'x' }, cpuMilli: 3000 })]);
    forget(snap, 'uid-p');
    expect(snap.host('h')!.requested).toEqual({ cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 });
    expect(snap.host('h')!.pods).toEqual([]);
  });

  it('refuses an unknown host or a pod placed twice, and ignores forgetting an unknown uid', () => {
    const snap = new Snapshot([host('h')]);
    expect(() => assume(snap, pod('p'), 'nope', option(), 0)).toThrow('unknown host nope');
    assume(snap, pod('p'), 'h', option(), 0);
    expect(() => assume(snap, pod('p'), 'h', option(), 0)).toThrow('already placed');
    expect(() => forget(snap, 'ghost')).not.toThrow();
    expect(() => new Snapshot([host('x'), host('x')])).toThrow('duplicate host id x');
  });

  it('keeps selector counts per host up to date through assume and forget, terminating pods excluded', () => {
    const snap = new Snapshot([
      host('h0', { pods: [placed('a', { labels: { app: 'w' } }), placed('t', { labels: { app: 'w' }, terminating: true })] }),
      host('h1'),
    ]);
    const sel = { matchLabels: { app: 'w' }, matchExpressions: [] };
    const idx = snap.selectorIndex(['default'], sel, false);
    expect([...idx.byHost]).toEqual([[0, 1]]);
    expect(snap.selectorIndex(['default'], sel, true).byHost.get(0)).toBe(2);
    assume(snap, pod('b', { labels: { app: 'w' } }), 'h1', option(), 0);
    assume(snap, pod('c', { labels: { app: 'other' } }), 'h1', option(), 0);
    assume(snap, pod('d', { labels: { app: 'w' }, namespace: 'other' }), 'h1', option(), 0);
    expect(idx.byHost.get(1)).toBe(1);
    forget(snap, 'uid-b');
    expect(idx.byHost.has(1)).toBe(false);
    forget(snap, 'a');
    expect(idx.byHost.size).toBe(0);
  });

  it('counts the pods of each owner per host', () => {
    const snap = new Snapshot([host('h0', { pods: [placed('a', { ownerKey: 'rs' })] }), host('h1')]);
    assume(snap, pod('b', { ownerKey: 'rs' }), 'h1', option(), 0);
    assume(snap, pod('c', { ownerKey: 'rs' }), 'h1', option(), 0);
    expect([...snap.ownerIndex('rs')!.byHost]).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(snap.ownerIndex('other')).toBeUndefined();
  });

  it('records nominations, replaces them, and drops them on assume or forget', () => {
    const snap = new Snapshot([host('a'), host('b')]);
    const p = pod('p', { priority: 5 });
    nominate(snap, p, 'a', option({ cpuMilli: 2000 }));
    nominate(snap, p, 'b', option({ cpuMilli: 3000 }));
    expect([...snap.nominatedCount]).toEqual([0, 1]);
    expect(snap.nominations.get('uid-p')).toMatchObject({ host: 1, cpuMilli: 3000, priority: 5 });
    assume(snap, p, 'b', option({ cpuMilli: 3000 }), 0);
    expect(snap.nominations.size).toBe(0);
    nominatePlaced(snap, placed('q', { priority: 1 }), 'a');
    forget(snap, 'q');
    expect([...snap.nominatedCount]).toEqual([0, 0]);
  });
});
