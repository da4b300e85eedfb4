/**
 * Subscription events executed once per distinct selection, not once per subscriber.
 *
 * The shared feeds (app/feeds) hand every subscriber of a cluster the SAME event object. Here a
 * subscription's per-event execution looks in a cache keyed by that object (a WeakMap: the entry
 * goes when the event does) and by the operation (document, operation name, variables) and the
 * caller's scope (account and operator flag, so tenants never share a result): a thousand
 * subscribers with the same query cost one execution per event instead of a thousand.
 *
 * It replaces the subscribe function of the envelop pipeline (so SSE and graphql-ws alike), after
 * the guard's onSubscribe checks: cost, limits and the abort signal stay as they were.
 */
import { createSourceEventStream, execute, print, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

type Executed = ExecutionResult | Promise<ExecutionResult>;

const printed = new WeakMap<DocumentNode, string>();
const results = new WeakMap<object, Map<string, Executed>>();

/** Executions avoided and run (this process), for the bench and tests; `enabled: false` executes per subscriber (the bench's comparison). */
export const sharedExecutionStats = { executed: 0, reused: 0, enabled: true };

function documentKey(document: DocumentNode): string {
  let s = printed.get(document);
  if (s === undefined) {
    s = print(document);
    printed.set(document, s);
  }
  return s;
}

/** What a subscription's results depend on besides the event: the operation and who asks. */
export function selectionKey(args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues' | 'contextValue'>): string {
  const ctx = (args.contextValue ?? {}) as { account?: { id?: string } | null; operator?: boolean };
  const scope = `${ctx.account?.id ?? '-'}:${ctx.operator ? 'op' : ''}`;
  return `${scope}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? null)}\u0000${documentKey(args.document)}`;
}

/** The result of executing `args` for `payload`, shared with every other subscription of the same key. */
function executeShared(args: ExecutionArgs, key: string, payload: unknown): Executed {
  if (payload === null || typeof payload !== 'object' || !sharedExecutionStats.enabled) {
    sharedExecutionStats.executed++;
    return execute({ ...args, rootValue: payload });
  }
  let byKey = results.get(payload);
  if (!byKey) {
    byKey = new Map();
    results.set(payload, byKey);
  }
  const hit = byKey.get(key);
  if (hit) {
    sharedExecutionStats.reused++;
    return hit;
  }
  sharedExecutionStats.executed++;
  const r = execute({ ...args, rootValue: payload });
  byKey.set(key, r);
  return r;
}

/** The subscribe algorithm (source stream, then execute per event) with shared per-event results. */
export async function sharedSubscribe(args: ExecutionArgs & { signal?: AbortSignal }): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const key = selectionKey(args);
  const stop = async () => {
    await iterator.return?.();
  };
  if (args.signal) {
    if (args.signal.aborted) await stop();
    else args.signal.addEventListener('abort', () => void stop(), { once: true });
  }
  const out: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await iterator.next();
      if (r.done) return { value: undefined, done: true };
      return { value: await executeShared(args, key, r.value), done: false };
    },
    async return() {
      await stop();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown) {
      await stop();
      throw err;
    },
    [Symbol.asyncIterator]: () => out,
  };
  return out;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return !!x && typeof x === 'object' && Symbol.asyncIterator in x;
}

/** The envelop plugin: every subscription runs through sharedSubscribe. */
export function useSharedSubscriptionResults(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
