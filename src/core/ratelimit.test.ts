import { describe, expect, it } from 'vitest';
import { level, perWindow, refund, take, ttlMs, type BucketState } from './ratelimit';

const policy = { capacity: 100, refillPerSecond: 10 };

describe('token buckets', () => {
  it('a bucket nobody used is full', () => {
    expect(level(null, policy, 0)).toBe(100_000);
  });

  it.each([
    { cost: 1, allowed: true, remaining: 99 },
    { cost: 100, allowed: true, remaining: 0 },
    { cost: 100.5, allowed: false, remaining: 100 },
    { cost: 0, allowed: true, remaining: 100 },
  ])('a full bucket of 100 points $cost: allowed $allowed, $remaining left', ({ cost, allowed, remaining }) => {
    const r = take(null, policy, cost, 1000);
    expect(r.allowed).toBe(allowed);
    expect(r.remaining).toBe(remaining);
  });

  it('a cost above the capacity is never possible (retry after Infinity)', () => {
    expect(take(null, policy, 101, 0).retryAfterMs).toBe(Infinity);
  });

  it('refills at the rate, up to the capacity', () => {
    const empty = take(null, policy, 100, 0).state!;
    expect(level(empty, policy, 0)).toBe(0);
    expect(level(empty, policy, 1500)).toBe(15_000); // 1.5 s × 10/s
    expect(level(empty, policy, 60_000)).toBe(100_000);
  });

  it('a refused take says when the cost will be there, and does not change the bucket', () => {
    const s: BucketState = { milli: 5_000, at: 0 };
    const r = take(s, policy, 20, 0);
    expect(r).toMatchObject({ allowed: false, remaining: 5, retryAfterMs: 1500 });
    expect(r.state).toBe(s);
    expect(take(s, policy, 20, 1500).allowed).toBe(true);
    expect(take(s, policy, 20, 1499).allowed).toBe(false);
  });

  it('hammering a refused bucket does not stop it refilling', () => {
    const slow = perWindow(5, 3_600_000); // 5 an hour
    let s = take(null, slow, 5, 0).state;
    for (let t = 0; t < 720_000; t += 100) s = take(s, slow, 1, t).state; // 7,200 refused attempts in 12 min
    expect(take(s, slow, 1, 720_000).allowed).toBe(true);
  });

  it('a refund gives points back, never above the capacity', () => {
    const s = take(null, policy, 60, 0).state;
    expect(level(refund(s, policy, 50, 0), policy, 0)).toBe(90_000);
    expect(level(refund(s, policy, 500, 0), policy, 0)).toBe(100_000);
  });

  it('reports when the bucket is full again (the state can be forgotten then)', () => {
    const r = take(null, policy, 30, 0);
    expect(r.resetMs).toBe(3000);
    expect(ttlMs(r.state!, policy)).toBe(3000);
  });

  it('perWindow(600, 60 s) allows 600 at once and 10 a second after', () => {
    expect(perWindow(600, 60_000)).toEqual({ capacity: 600, refillPerSecond: 10 });
  });
});
