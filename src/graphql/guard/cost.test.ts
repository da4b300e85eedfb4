import { describe, expect, it } from 'vitest';
import { buildSchema, parse } from 'graphql';
import { actualCost, requestedCost, shapeOf, type CostModel } from './cost';

const schema = buildSchema(`
  type Query { cluster(id: ID!): Cluster clusters(first: Int, last: Int): ClusterConnection! regions: [Region!]! nodes(ids: [ID!]!): [Cluster]! dryRun(steps: [Int!]!): Int! }
  type Mutation { scale(n: Int!): Payload! report(samples: [Int!]!): Payload! }
  type Subscription { events(clusterId: ID!): Event! }
  type Payload { cluster: Cluster errors: [Err!]! }
  type Err { message: String! }
  type Event { sequence: Int! cluster: Cluster! }
  type Region { name: String! zones: [String!]! }
  type Cluster { id: ID! name: String! pods(first: Int, last: Int): PodConnection! owner: Cluster children: [Cluster!]! csv: String! }
  type ClusterConnection { edges: [ClusterEdge!]! pageInfo: PageInfo! }
  type ClusterEdge { cursor: String! node: Cluster! }
  type PodConnection { edges: [PodEdge!]! pageInfo: PageInfo! }
  type PodEdge { cursor: String! node: Pod! }
  type Pod { name: String! cluster: Cluster! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
`);

const model: CostModel = {
  defaultPageSize: 100,
  maxPageSize: 1000,
  defaultListSize: 10,
  listSizes: { 'Query.regions': 5, 'Query.nodes': (a) => (Array.isArray(a.ids) ? a.ids.length : 0) },
  weights: { 'Query.dryRun': (a) => 10 + 20 * (Array.isArray(a.steps) ? a.steps.length : 0), 'Cluster.csv': 500, 'Mutation.report': (a) => (Array.isArray(a.samples) ? a.samples.length : 1) },
};

const cost = (q: string, vars: Record<string, unknown> = {}) => requestedCost(schema, parse(q), null, vars, model).total;

describe('query shape (before validation)', () => {
  it.each([
    { q: '{ regions { name } }', shape: { depth: 2, aliases: 0, fields: 2 } },
    { q: '{ a: regions { name } b: regions { n: name } }', shape: { depth: 2, aliases: 3, fields: 4 } },
    { q: '{ ...R } fragment R on Query { regions { ...N } } fragment N on Region { name zones }', shape: { depth: 2, aliases: 0, fields: 3 } },
    { q: '{ cluster(id: 1) { ... on Cluster { owner { owner { name } } } } }', shape: { depth: 4, aliases: 0, fields: 4 } },
  ])('$q has depth $shape.depth, $shape.aliases aliases and $shape.fields fields', ({ q, shape }) => {
    expect(shapeOf(parse(q))).toEqual(shape);
  });

  it('counts fragments every time they are used, without walking them every time (a doubling bomb is measured, not run)', () => {
    let doc = '{ cluster(id: 1) { ...F40 } } fragment F0 on Cluster { name }';
    for (let i = 1; i <= 40; i++) doc += ` fragment F${i} on Cluster { a: owner { ...F${i - 1} } b: owner { ...F${i - 1} } }`;
    const s = shapeOf(parse(doc));
    expect(s.depth).toBe(42);
    expect(s.aliases).toBe(2 ** 41 - 2);
    expect(s.fields).toBe(2 ** 41 - 1 + 2 ** 40);
  });

  it('looks only at the operation named, when there are several', () => {
    const d = parse('query A { regions { name } } query B { cluster(id: 1) { owner { owner { name } } } }');
    expect(shapeOf(d, 'A').depth).toBe(2);
    expect(shapeOf(d, 'B').depth).toBe(4);
  });

  it('survives a fragment cycle (validation refuses it later)', () => {
    expect(shapeOf(parse('{ cluster(id: 1) { ...A } } fragment A on Cluster { owner { ...A } }')).depth).toBe(2);
  });
});

describe('requested cost (typed, with the variables)', () => {
  it.each([
    { q: '{ regions { name zones } }', cost: 5, why: 'a list of 5 objects, scalars free' },
    { q: '{ cluster(id: 1) { name } }', cost: 1, why: 'one object' },
    { q: '{ cluster(id: 1) { owner { owner { name } } } }', cost: 3, why: 'nested objects' },
    { q: '{ clusters { edges { node { name } } } }', cost: 102, why: 'a connection without first: the default page' },
    { q: '{ clusters(first: 10) { edges { cursor node { name } } pageInfo { hasNextPage } } }', cost: 12, why: 'edges repeat per item, pageInfo is free' },
    { q: '{ clusters(last: 5000) { edges { node { name } } } }', cost: 1002, why: 'a page is clamped to the largest the resolver returns' },
    { q: '{ clusters(first: 10) { edges { node { pods(first: 100) { edges { node { name } } } } } } }', cost: 2 + 10 * (1 + 2 + 100), why: 'connections multiply' },
    { q: '{ cluster(id: 1) { children { name } } }', cost: 11, why: 'a list without an estimate: 10 items' },
    { q: '{ nodes(ids: [1, 2, 3]) { name } }', cost: 3, why: 'a list sized by its arguments' },
    { q: '{ cluster(id: 1) { csv } }', cost: 501, why: 'an explicit weight' },
    { q: '{ dryRun(steps: [1, 2, 3]) }', cost: 70, why: 'a weight from the arguments' },
    { q: 'mutation { scale(n: 1) { cluster { name } errors { message } } }', cost: 10 + 1 + 10, why: 'a mutation field costs 10' },
    { q: '{ __schema { types { name fields { name } } } }', cost: 3, why: 'introspection: a point per object field asked' },
  ])('$q costs $cost ($why)', ({ q, cost: expected }) => {
    expect(cost(q)).toBe(expected);
  });

  it('reads first/last and list arguments from variables', () => {
    expect(cost('query($n: Int) { clusters(first: $n) { edges { node { name } } } }', { n: 3 })).toBe(5);
    expect(cost('query($s: [Int!]!) { dryRun(steps: $s) }', { s: [1, 2, 3, 4] })).toBe(90);
  });

  it('costs a fragment as often as it is spread, and an exponential document astronomically', () => {
    expect(cost('{ a: cluster(id: 1) { ...C } b: cluster(id: 2) { ...C } } fragment C on Cluster { owner { name } }')).toBe(4);
    let doc = '{ cluster(id: 1) { ...F60 } } fragment F0 on Cluster { name }';
    for (let i = 1; i <= 60; i++) doc += ` fragment F${i} on Cluster { a: owner { ...F${i - 1} } b: owner { ...F${i - 1} } }`;
    expect(cost(doc)).toBeGreaterThan(2 ** 60);
  });

  it('splits the cost by root field (for the budgets each is charged to)', () => {
    const r = requestedCost(schema, parse('mutation { report(samples: [1, 2, 3]) { errors { message } } scale(n: 2) { cluster { name } } }'), null, {}, model);
    expect(r.roots.map((x) => [x.field, x.cost])).toEqual([['report', 13], ['scale', 11]]);
    expect(r.total).toBe(24);
  });

  it('costs bad arguments as defaults (execution refuses them anyway)', () => {
    expect(cost('query($n: Int) { clusters(first: $n) { edges { node { name } } } }', { n: 'many' })).toBe(102);
  });
});

describe('actual cost (over the response)', () => {
  const actual = (q: string, data: unknown, vars: Record<string, unknown> = {}) => actualCost(schema, parse(q), null, vars, model, data);

  it('counts the page the resolver returned, not the one asked for', () => {
    const q = '{ clusters(first: 100) { edges { node { name } } } }';
    expect(cost(q)).toBe(102);
    expect(actual(q, { clusters: { edges: [{ node: { name: 'a' } }, { node: { name: 'b' } }] } })).toBe(4);
  });

  it('counts nothing for a null object, and weights of fields that ran', () => {
    expect(actual('{ cluster(id: 1) { csv } }', { cluster: null })).toBe(0);
    expect(actual('{ cluster(id: 1) { csv } }', { cluster: { csv: 'x' } })).toBe(501);
  });

  it('follows aliases and fragments', () => {
    const q = '{ a: cluster(id: 1) { ...C } b: cluster(id: 2) { ...C } } fragment C on Cluster { children { name } }';
    expect(actual(q, { a: { children: [{ name: 'x' }] }, b: { children: [] } })).toBe(3);
  });

  it('counts a mutation field as asked even when it returned null', () => {
    expect(actual('mutation { scale(n: 1) { cluster { name } } }', { scale: { cluster: null } })).toBe(10);
  });
});
