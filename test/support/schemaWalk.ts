/**
 * Walking the served GraphQL schema to build operations for every root field: argument slots
 * (each leaf of each argument, input objects and lists walked), variable declarations and a
 * selection set of every field to a depth. Used by the schema-driven fuzz and isolation tests, so
 * a root field added later is exercised without editing them.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

export type RootKind = 'Query' | 'Mutation' | 'Subscription';
export type RootField = GraphQLField<unknown, unknown>;

export function rootFields(schema: GraphQLSchema, kind: RootKind): RootField[] {
  const root = kind === 'Query' ? schema.getQueryType() : kind === 'Mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return root ? Object.values(root.getFields()) : [];
}

/** Required in the GraphQL sense: non-null and without a default (the caller must give it). */
export const mustGive = (a: GraphQLArgument | GraphQLInputField) => isNonNullType(a.type) && a.defaultValue === undefined;

/**
 * One leaf of an argument: `coord` names where it sits, as `Mutation.setBudget.amount` for a
 * root argument or `ScaleWorkloadInput.replicas` for an input object field.
 */
export interface Leaf {
  coord: string;
  /** The argument or input field name (`clusterId`, `name`, `since`). */
  name: string;
  type: GraphQLNamedType;
  /** Inside a list. */
  inList: boolean;
  /** The caller must give it (non-null without a default). */
  required: boolean;
}

/** Fills a leaf; `undefined` leaves an optional leaf out. */
export type LeafFill = (leaf: Leaf) => unknown;

/**
 * A value for an input type: input objects get their required fields always and their optional
 * fields when `optional` says so; lists get one element; leaves come from `fill`.
 */
export function buildInput(t: GraphQLInputType, coord: string, name: string, fill: LeafFill, opts: { optional: (coord: string) => boolean; inList?: boolean; required?: boolean }): unknown {
  if (isNonNullType(t)) return buildInput(t.ofType, coord, name, fill, { ...opts, required: opts.required ?? true });
  if (isListType(t)) return [buildInput(t.ofType, coord, name, fill, { ...opts, inList: true, required: undefined })];
  if (isInputObjectType(t)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(t.getFields())) {
      const c = `${t.name}.${f.name}`;
      if (!mustGive(f) && !opts.optional(c)) continue;
      const v = buildInput(f.type, c, f.name, fill, { optional: opts.optional, inList: false, required: mustGive(f) });
      if (v !== undefined) out[f.name] = v;
    }
    return out;
  }
  return fill({ coord, name, type: t as GraphQLNamedType, inList: !!opts.inList, required: !!opts.required });
}

/** Every leaf under an argument (input objects expanded), with its coordinate. */
export function leavesOf(t: GraphQLInputType, coord: string, name: string, required: boolean, inList = false, seen = new Set<string>()): Leaf[] {
  if (isNonNullType(t)) return leavesOf(t.ofType, coord, name, required, inList, seen);
  if (isListType(t)) return leavesOf(t.ofType, coord, name, required, true, seen);
  if (isInputObjectType(t)) {
    if (seen.has(t.name)) return [];
    const inner = new Set(seen).add(t.name);
    return Object.values(t.getFields()).flatMap((f) => leavesOf(f.type, `${t.name}.${f.name}`, f.name, mustGive(f), inList, inner));
  }
  return [{ coord, name, type: t as GraphQLNamedType, inList, required }];
}

/** `mutation($input: ScaleWorkloadInput!) { scaleWorkload(input: $input) <selection> }` for the arguments present. */
export function operation(kind: RootKind, field: RootField, present: readonly string[], selection: string): string {
  const args = field.args.filter((a) => present.includes(a.name));
  const decl = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  return `${kind.toLowerCase()}${decl} { ${field.name}${call} ${selection} }`;
}

/** A GraphQL literal for a nested field's argument (strings, numbers, booleans, enum values). */
export function literal(v: unknown, t: GraphQLInputType): string {
  const named = getNamedType(t);
  if (isEnumType(named)) return String(v);
  return JSON.stringify(v);
}

export interface SelectOptions {
  /** Object levels below the root field. */
  depth: number;
  /** A literal for a required argument of a nested field (`Cluster.autoscaler(name:)`), or undefined to leave the field out. */
  nestedArg?: (coord: string, arg: GraphQLArgument) => string | undefined;
}

/**
 * The selection set of a type: every leaf field, every object field to `depth` levels (abstract
 * types through an inline fragment per possible type), `__typename` everywhere. '' for a leaf.
 */
export function selectionSet(schema: GraphQLSchema, type: GraphQLOutputType, opts: SelectOptions, depth = opts.depth): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  const parts = ['__typename'];
  const fieldsOf = (o: GraphQLObjectType) => {
    for (const f of Object.values(o.getFields())) {
      const required = f.args.filter(mustGive);
      const lits: string[] = [];
      let ok = true;
      for (const a of required) {
        const l = opts.nestedArg?.(`${o.name}.${f.name}.${a.name}`, a);
        if (l === undefined) ok = false;
        else lits.push(`${a.name}: ${l}`);
      }
      if (!ok) continue;
      const call = lits.length ? `(${lits.join(', ')})` : '';
      if (isLeafType(getNamedType(f.type))) parts.push(`${f.name}${call}`);
      else if (depth > 0) {
        const sub = selectionSet(schema, f.type, opts, depth - 1);
        if (sub) parts.push(`${f.name}${call} ${sub}`);
      }
    }
  };
  if (isObjectType(named)) fieldsOf(named);
  else if (isInterfaceType(named) || isUnionType(named)) {
    for (const o of schema.getPossibleTypes(named)) {
      const sub = selectionSet(schema, o, opts, depth);
      parts.push(`... on ${o.name} ${sub}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Subsets of `names` to try: all of them when few, else none, each alone, and all. */
export function optionalVariants(names: readonly string[], powersetUpTo = 4): string[][] {
  if (names.length <= powersetUpTo) {
    const out: string[][] = [];
    for (let mask = 0; mask < 1 << names.length; mask++) out.push(names.filter((_, i) => mask & (1 << i)));
    return out;
  }
  return [[], ...names.map((n) => [n]), [...names]];
}
