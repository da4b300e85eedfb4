import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock';

describe('ManualClock', () => {
  it('starts at the given epoch and only moves when told to', () => {
    const clock = new ManualClock(1_000);
    expect(clock.now()).toBe(1_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_250);
    clock.set(5_000);
    expect(clock.now()).toBe(5_000);
  });

  it('runs due timers in due order, and not before they are due', () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 300);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 100);
    clock.setTimeout(() => log.push(`b@${clock.now()}`), 200);
    clock.setTimeout(() => log.push(`a2@${clock.now()}`), 100);
    clock.advance(99);
    expect(log).toEqual([]);
    expect(clock.pendingTimers()).toBe(4);
    clock.advance(151); // now 250
    expect(log).toEqual(['a@100', 'a2@100', 'b@200']);
    expect(clock.now()).toBe(250);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(50);
    expect(log).toEqual(['a@100', 'a2@100', 'b@200', 'c@300']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs timers scheduled by timers inside the advanced window, in order', () => {
    const clock = new ManualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => {
      log.push(`outer@${clock.now()}`);
      clock.setTimeout(() => log.push(`inner@${clock.now()}`), 50); // due 150
      clock.setTimeout(() => log.push(`late@${clock.now()}`), 500); // due 600, outside window
    }, 100);
    clock.setTimeout(() => log.push(`other@${clock.now()}`), 120);
    clock.advance(200);
    expect(log).toEqual(['outer@100', 'other@120', 'inner@150']);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(400);
    expect(log.at(-1)).toBe('late@600');
  });

  it('runs zero-delay timers on advance(0), including ones they schedule', () => {
    const clock = new ManualClock(10);
    let n = 0;
    const tick = () => {
      n++;
      if (n < 3) clock.setTimeout(tick, 0);
    };
    clock.setTimeout(tick, 0);
    expect(n).toBe(0);
    clock.advance(0);
    expect(n).toBe(3);
    expect(clock.now()).toBe(10);
  });

  it('cancels timers', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const cancel = clock.setTimeout(() => (fired = true), 10);
    expect(clock.pendingTimers()).toBe(1);
    cancel();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(100);
    expect(fired).toBe(false);
  });

  it('set() forward runs due timers, backwards only moves now()', () => {
    const clock = new ManualClock(1_000);
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 500);
    clock.set(900);
    expect(clock.now()).toBe(900);
    expect(seen).toEqual([]);
    clock.set(2_000);
    expect(seen).toEqual([1_500]);
    expect(clock.now()).toBe(2_000);
  });

  it('still runs later timers when one throws, then rethrows', () => {
    const clock = new ManualClock(0);
    let ran = false;
    clock.setTimeout(() => {
      throw new Error('boom');
    }, 1);
    clock.setTimeout(() => (ran = true), 2);
    expect(() => clock.advance(5)).toThrow('boom');
    expect(ran).toBe(true);
    expect(clock.now()).toBe(5);
  });

  it('rejects negative advances', () => {
    expect(() => new ManualClock(0).advance(-1)).toThrow(RangeError);
  });
});

describe('systemClock', () => {
  it('reads Date.now()', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer and can cancel one', async () => {
    let cancelledFired = false;
    const cancel = systemClock.setTimeout(() => (cancelledFired = true), 0);
    cancel();
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1));
    expect(cancelledFired).toBe(false);
  });
});
