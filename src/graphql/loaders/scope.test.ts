import { describe, expect, it } from 'vitest';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../builder';
import { loaders } from './index';

const ctx = () => ({ svc: { db: {}, clock: { now: () => 0 }, settings: { autoscaling: { metricStalenessMs: 60_000 } } }, account: { id: 'a' }, principal: null, operator: false }) as unknown as Context;

/** What a resolver at `path` (top-level field first) of an operation sees. */
function info(operation: 'query' | 'mutation' | 'subscription', path: (string | number)[], rootValue?: unknown): GraphQLResolveInfo {
  let p: GraphQLResolveInfo['path'] | undefined;
  for (const key of path) p = { prev: p, key, typename: undefined };
  return { operation: { operation }, path: p, rootValue } as unknown as GraphQLResolveInfo;
}

describe('loaders(ctx, info)', () => {
  it('gives every resolver of one query the same loaders, and another request others', () => {
    const c = ctx();
    const a = loaders(c, info('query', ['cluster', 'workloads', 'edges', 0, 'node', 'owner']));
    expect(loaders(c, info('query', ['clusters', 'edges', 3, 'node', 'namespaces']))).toBe(a);
    expect(loaders(ctx(), info('query', ['cluster']))).not.toBe(a);
  });

  it('gives each top-level field of a mutation its own loaders (they run in turn and write)', () => {
    const c = ctx();
    const first = loaders(c, info('mutation', ['scaleWorkload', 'workload', 'children']));
    expect(loaders(c, info('mutation', ['scaleWorkload', 'workload', 'owner']))).toBe(first);
    expect(loaders(c, info('mutation', ['again', 'workload', 'children']))).not.toBe(first);
  });

  it('gives each event of a subscription its own loaders, so no event is answered from an earlier one', () => {
    const c = ctx();
    const e1 = { id: 1 };
    const e2 = { id: 2 };
    const one = loaders(c, info('subscription', ['clusterStatus', 'namespaces'], e1));
    expect(loaders(c, info('subscription', ['clusterStatus', 'cost'], e1))).toBe(one);
    expect(loaders(c, info('subscription', ['clusterStatus', 'namespaces'], e2))).not.toBe(one);
  });
});
