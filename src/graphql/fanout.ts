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
import { isAsyncIterable, isPromise, type Plugin } from 'graphql-yoga';

type Executed = ExecutionResult | Promise<ExecutionResult>;

/** One event's execution for one selection: the result once known, and its JSON once a socket needed it. */
interface Shared {
  pending: Executed;
  result?: ExecutionResult;
  json?: string;
}

/**
 * Where a subscription's results can go as ready-made JSON, bypassing the per-result pipeline
 * (graphql-ws puts one in the context of each of its operations). `send` takes the result's
 * JSON (`{"data":…}`) and returns a promise when the consumer should wait before sending more.
 */
export interface ResultSink {
  send(payloadJson: string): Promise<void> | void;
}

/** The context key under which a transport offers its ResultSink. */
export const RESULT_SINK = Symbol.for('nodeless.resultSink');

const printed = new WeakMap<DocumentNode, string>();
const results = new WeakMap<object, Map<string, Shared>>();

/** Executions avoided and run (this process), for the bench and tests; `enabled: false` executes per subscriber (the bench's comparison). */
export const sharedExecutionStats = { executed: 0, reused: 0, direct: 0, enabled: true };

function documentKey(document: DocumentNode): string {
  let s = printed.get(document);
  if (s === undefined) {
    s = print(document);
    printed.set(document, s);
  }
  return s;
}

/** What a subscription's results depend on besides the event: the operation and who asks. */
function selectionKey(args: Pick<ExecutionArgs, 'document' | 'operationName' | 'variableValues' | 'contextValue'>): string {
  const ctx = (args.contextValue ?? {}) as { account?: { id?: string } | null; operator?: boolean };
  const scope = `${ctx.account?.id ?? '-'}:${ctx.operator ? 'op' : ''}`;
  return `${scope}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? null)}\u0000${documentKey(args.document)}`;
}

function run(args: ExecutionArgs, payload: unknown): Shared {
  sharedExecutionStats.executed++;
  const pending = execute({ ...args, rootValue: payload });
  const shared: Shared = { pending };
  if (isPromise(pending)) void pending.then((r) => (shared.result = r), () => {});
  else shared.result = pending;
  return shared;
}

/** The execution of `args` for `payload`, shared with every other subscription of the same key. */
function executeShared(args: ExecutionArgs, key: string, payload: unknown): Shared {
  if (payload === null || typeof payload !== 'object' || !sharedExecutionStats.enabled) return run(args, payload);
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
  const shared = run(args, payload);
  byKey.set(key, shared);
  return shared;
}

/**
 * The subscribe algorithm (source stream, then execute per event) with shared per-event results.
 *
 * With a ResultSink in the context, error-free results skip the per-result pipeline: their JSON
 * is made once per event and selection and handed to the sink, and a burst already waiting in
 * the stream is drained in one go, without a promise per event. A result with errors (and every
 * result without a sink: SSE) is yielded as usual, so masking and the transport's hooks see it.
 */
export async function sharedSubscribe(args: ExecutionArgs & { signal?: AbortSignal }): Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown> & { takeNow?: () => unknown };
  const key = selectionKey(args);
  const sink = ((args.contextValue ?? {}) as Record<symbol, ResultSink | undefined>)[RESULT_SINK];
  const drain = typeof iterator.takeNow === 'function' ? () => iterator.takeNow!() : () => undefined;
  let ended = false;
  const stop = async () => {
    ended = true;
    await iterator.return?.();
  };
  if (args.signal) {
    if (args.signal.aborted) await stop();
    else args.signal.addEventListener('abort', () => void stop(), { once: true });
  }
  const out: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      for (;;) {
        if (ended) return { value: undefined, done: true };
        const r = await iterator.next();
        if (r.done) return { value: undefined, done: true };
        let event: unknown = r.value;
        // a burst already waiting is drained here, awaiting only what must be awaited
        while (event !== undefined) {
          const shared = executeShared(args, key, event);
          const result = shared.result ?? (await shared.pending);
          if (ended) return { value: undefined, done: true };
          if (!sink || result.errors?.length) return { value: result, done: false };
          shared.json ??= JSON.stringify(result);
          sharedExecutionStats.direct++;
          const wait = sink.send(shared.json);
          if (wait) await wait;
          event = ended ? undefined : drain();
        }
      }
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

/** The envelop plugin: every subscription runs through sharedSubscribe. */
export function useSharedSubscriptionResults(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
