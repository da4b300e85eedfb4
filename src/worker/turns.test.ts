import { describe, expect, it } from 'vitest';
import { ManualClock } from '../adapters/clock';
import { behind, runTurn, yieldTurn, type TurnItem, type TurnTable } from './turns';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A runner's table of running items, changed by hand. */
function table(clock: ManualClock, maxWaitMs = 250) {
  const items = new Set<TurnItem>();
  let changed = deferred();
  const t = {
    clock,
    maxWaitMs,
    running: () => items,
    changed: () => changed.promise,
    add(...xs: TurnItem[]) {
      for (const x of xs) items.add(x);
    },
    remove(x: TurnItem) {
      items.delete(x);
      const c = changed;
      changed = deferred();
      c.resolve();
    },
  } satisfies TurnTable & Record<string, unknown>;
  return t;
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
  return done;
};

/** An item started at `startedAt` (default: its seq, so later items started later). */
const item = (seq: number, account: string, startedAt = seq): TurnItem => ({ seq, account, startedAt });

describe('behind: who lets whom go first', () => {
  const cases: [string, TurnItem[], TurnItem, boolean][] = [
    ['an account running an item since earlier lets a lighter one go first', [item(1, 'busy'), item(3, 'light')], item(1, 'busy'), true],
    ['even with a newer item: the account is as old as its oldest running item', [item(1, 'busy'), item(3, 'light'), item(5, 'busy')], item(5, 'busy'), true],
    ['the lighter account does not wait for the busier', [item(1, 'busy'), item(3, 'light'), item(5, 'busy')], item(3, 'light'), false],
    ['started at the same time: the later claimed goes first', [item(1, 'a', 100), item(2, 'b', 100)], item(1, 'a', 100), true],
    ['items of its own account never make it wait', [item(1, 'a'), item(2, 'a'), item(3, 'a')], item(1, 'a'), false],
    ['alone it never waits', [item(1, 'a')], item(1, 'a'), false],
  ];
  for (const [name, running, who, expected] of cases) {
    it(name, () => {
      expect(behind(running, running.find((r) => r.seq === who.seq && r.account === who.account)!)).toBe(expected);
    });
  }
});

describe('yieldTurn', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));

  it('outside a runner item only yields to the event loop', async () => {
    expect(await settled(yieldTurn())).toBe(true);
  });

  it('waits while an item of a lighter account runs, and goes on when it finishes', async () => {
    const t = table(clock);
    const mine = item(2, 'heavy');
    const light = item(1, 'light');
    t.add(item(0, 'heavy'), mine, light);
    const waiting = runTurn(t, mine, () => yieldTurn());
    expect(await settled(waiting)).toBe(false);
    t.remove(light);
    expect(await settled(waiting)).toBe(true);
  });

  it('does not wait when it is the lighter one', async () => {
    const t = table(clock);
    const mine = item(2, 'light');
    t.add(item(1, 'heavy'), mine, item(3, 'heavy'));
    expect(await settled(runTurn(t, mine, () => yieldTurn()))).toBe(true);
  });

  it('waits at most maxWaitMs of the clock (an item that never ends does not starve it)', async () => {
    const t = table(clock, 250);
    const mine = item(1, 'heavy');
    t.add(mine, item(2, 'heavy'), item(3, 'light'));
    const waiting = runTurn(t, mine, () => yieldTurn());
    expect(await settled(waiting)).toBe(false);
    clock.advance(249);
    expect(await settled(waiting)).toBe(false);
    clock.advance(1);
    expect(await settled(waiting)).toBe(true);
  });

  it('with maxWaitMs 0 only yields to the event loop', async () => {
    const t = table(clock, 0);
    const mine = item(1, 'heavy');
    t.add(mine, item(2, 'heavy'), item(3, 'light'));
    expect(await settled(runTurn(t, mine, () => yieldTurn()))).toBe(true);
  });
});
