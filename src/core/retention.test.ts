import { describe, expect, it } from 'vitest';
import { eventPruneCut, expiredMessage, sinceExpired, terminatedPodsToCollect } from './retention';

describe('retention decisions', () => {
  const head = (from: number, to: number, at: (s: number) => number) => Array.from({ length: to - from + 1 }, (_, i) => ({ sequence: from + i, createdAtMs: at(from + i) }));
  it.each([
    { name: 'prunes the run of events older than the window from the start', input: { prunedThrough: 0, eventSeq: 10, cap: 100, cutoffMs: 5, head: head(1, 10, (s) => s) }, cut: 4 },
    { name: 'stops at the first event inside the window even if older ones follow', input: { prunedThrough: 0, eventSeq: 4, cap: 100, cutoffMs: 5, head: [1, 9, 2, 3].map((t, i) => ({ sequence: i + 1, createdAtMs: t })) }, cut: 1 },
    { name: 'prunes all but the newest `cap` events whatever their age', input: { prunedThrough: 2, eventSeq: 20, cap: 5, cutoffMs: 0, head: head(3, 20, () => 100) }, cut: 15 },
    { name: 'takes whichever of window and cap removes more', input: { prunedThrough: 0, eventSeq: 10, cap: 8, cutoffMs: 6, head: head(1, 10, (s) => s) }, cut: 5 },
    { name: 'never goes past the batch it read', input: { prunedThrough: 0, eventSeq: 5000, cap: 10, cutoffMs: 0, head: head(1, 1000, () => 1) }, cut: 1000 },
    { name: 'never moves the mark back', input: { prunedThrough: 7, eventSeq: 10, cap: 100, cutoffMs: 0, head: head(8, 10, () => 1) }, cut: 7 },
    { name: 'does nothing on an empty log', input: { prunedThrough: 3, eventSeq: 3, cap: 1, cutoffMs: 99, head: [] }, cut: 3 },
  ])('$name', ({ input, cut }) => {
    expect(eventPruneCut(input)).toBe(cut);
  });

  it('collects terminated pods past the threshold only, and none with a threshold of 0', () => {
    expect(terminatedPodsToCollect(10, 12)).toBe(0);
    expect(terminatedPodsToCollect(15, 12)).toBe(3);
    expect(terminatedPodsToCollect(15, 0)).toBe(0);
  });
});

describe('the EXPIRED contract', () => {
  it('refuses a since below the pruned-through sequence and accepts one equal to it', () => {
    expect(sinceExpired(9, 10)).toBe(true);
    expect(sinceExpired(10, 10)).toBe(false);
    expect(sinceExpired(0, 0)).toBe(false);
  });

  it('tells the client to re-list and resume from lastEventSequence', () => {
    expect(expiredMessage(3, 10, 42)).toMatch(/re-list.*since = the cluster's lastEventSequence \(now 42\)/);
  });
});
