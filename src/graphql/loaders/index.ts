import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../builder';
import { monthKey } from '../../core/billing/months';
import { workloadLoaders } from './workloads';
import { clusterLoaders } from './clusters';
import { billingLoaders } from './billing';
import type { Loader } from './loader';
import type { PageKey } from './pages';

/** No account: every loader query then filters by an id no account has, and finds nothing. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

function build(ctx: Context) {
  const accountId = ctx.account?.id ?? NO_ACCOUNT;
  const now = ctx.svc.clock.now();
  const w = workloadLoaders(ctx.svc.db, accountId, now);
  return {
    ...w,
    ...clusterLoaders(ctx.svc.db, accountId, w.primeWorkloads),
    ...billingLoaders(ctx.svc, accountId, monthKey(now)),
    podSample: w.podSample(new Date(now - ctx.svc.settings.autoscaling.metricStalenessMs)),
  };
}

export type RequestLoaders = ReturnType<typeof build>;

interface Scopes {
  byPart: Map<string, RequestLoaders>;
  byEvent: WeakMap<object, RequestLoaders>;
}
const scopes = new WeakMap<Context, Scopes>();

/**
 * The loaders of this request: made on first use and kept with the request's context, so every
 * resolver of one query shares their batches and cache. A mutation's top-level fields run one
 * after another and change what later ones read, so each gets its own; each event of a
 * subscription (its own root value) too, so no event sees what an earlier one cached.
 */
export function loaders(ctx: Context, info: GraphQLResolveInfo): RequestLoaders {
  let s = scopes.get(ctx);
  if (!s) scopes.set(ctx, (s = { byPart: new Map(), byEvent: new WeakMap() }));
  const op = info.operation.operation;
  const root = info.rootValue;
  if (op === 'subscription' && root !== null && typeof root === 'object') {
    let l = s.byEvent.get(root);
    if (!l) s.byEvent.set(root, (l = build(ctx)));
    return l;
  }
  let path = info.path;
  while (path.prev) path = path.prev;
  const part = op === 'mutation' ? `mutation:${String(path.key)}` : op;
  let l = s.byPart.get(part);
  if (!l) s.byPart.set(part, (l = build(ctx)));
  return l;
}

/** A page through a page loader, as a fresh array (the connection helper reverses it in place). */
export const loadPage = <R>(loader: Loader<PageKey, R[]>, key: PageKey): Promise<R[]> => loader.load(key).then((rows) => rows.slice());
