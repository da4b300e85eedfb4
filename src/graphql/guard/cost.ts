/**
 * What a GraphQL operation may cost, computed before it runs (GitHub's node limit, Shopify's
 * calculated query cost), and what it did cost once it ran.
 *
 * Two passes, both linear in the size of the document (fragments are evaluated once each and
 * memoised, so a document that nests fragments under aliases costs its real, exponential, figure
 * without taking exponential time to compute it):
 *  - `shapeOf` (syntax only, before validation, which is itself costly on hostile documents):
 *    depth, aliases and fields with fragments expanded;
 *  - `requestedCost` (typed, after validation, with the variables): scalars cost 0, an object 1,
 *    a connection 2 + first/last (default page size) × the cost of one edge, a list its expected
 *    size × the cost of one item, a mutation field 10; expensive fields carry explicit weights;
 *  - `actualCost`: the same rules over the response, with the real sizes of lists and pages.
 */
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';


export interface Shape {
  /** Deepest field nesting (a root field is depth 1), fragments expanded. */
  depth: number;
  /** Aliased fields, fragments expanded (each use of a fragment counts its aliases again). */
  aliases: number;
  /** Field selections, fragments expanded. */
  fields: number;
}

type Definitions = { operations: OperationDefinitionNode[]; fragments: Map<string, FragmentDefinitionNode> };

function definitions(document: DocumentNode): Definitions {
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
    else if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  return { operations, fragments };
}

/** The operation that will run: the named one, the only one, or (ambiguous) all of them. */
export function selectedOperations(document: DocumentNode, operationName?: string | null): OperationDefinitionNode[] {
  const { operations } = definitions(document);
  if (operationName) return operations.filter((o) => o.name?.value === operationName);
  return operations;
}

/** Depth, aliases and fields of the operation(s) that would run, fragments expanded. */
export function shapeOf(document: DocumentNode, operationName?: string | null): Shape {
  const { fragments } = definitions(document);
  const memo = new Map<string, Shape>();
  const visiting = new Set<string>();
  const ofSet = (set: SelectionSetNode | undefined): Shape => {
    const out: Shape = { depth: 0, aliases: 0, fields: 0 };
    if (!set) return out;
    for (const s of set.selections) {
      let sub: Shape;
      if (s.kind === Kind.FIELD) {
        const inner = ofSet(s.selectionSet);
        sub = { depth: inner.depth + 1, aliases: inner.aliases + (s.alias ? 1 : 0), fields: inner.fields + 1 };
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        sub = ofSet(s.selectionSet);
      } else {
        const name = s.name.value;
        const known = memo.get(name);
        if (known) sub = known;
        else if (visiting.has(name) || !fragments.has(name)) sub = { depth: 0, aliases: 0, fields: 0 }; // a cycle or unknown: validation refuses it
        else {
          visiting.add(name);
          sub = ofSet(fragments.get(name)!.selectionSet);
          visiting.delete(name);
          memo.set(name, sub);
        }
      }
      out.depth = Math.max(out.depth, sub.depth);
      out.aliases += sub.aliases;
      out.fields += sub.fields;
    }
    return out;
  };
  const total: Shape = { depth: 0, aliases: 0, fields: 0 };
  for (const op of selectedOperations(document, operationName)) {
    const s = ofSet(op.selectionSet);
    total.depth = Math.max(total.depth, s.depth);
    total.aliases += s.aliases;
    total.fields += s.fields;
  }
  return total;
}

/** A field's explicit weight: a number, or computed from its arguments. */
export type Weight = number | ((args: Record<string, unknown>) => number);

export interface CostModel {
  /** Page size of a connection asked without first/last (what the resolver uses). */
  defaultPageSize: number;
  /** Largest page a connection returns (first/last above it are clamped by the resolver). */
  maxPageSize: number;
  /** Expected items of a list field that has no entry in `listSizes`. */
  defaultListSize: number;
  /** Expected items of a list field, by coordinate (`Type.field`), or from its arguments. */
  listSizes: Record<string, Weight>;
  /** The cost of resolving the field itself, by coordinate, replacing the default (0 scalar, 1 object, 2 connection, 10 mutation). */
  weights: Record<string, Weight>;
}

const isConnectionType = (t: GraphQLCompositeType): boolean => isObjectType(t) && 'edges' in t.getFields() && 'pageInfo' in t.getFields();

function argsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  try {
    return getArgumentValues(field, node, variables) as Record<string, unknown>;
  } catch {
    return {}; // bad arguments fail execution anyway; cost them as defaults
  }
}

function weigh(w: Weight | undefined, args: Record<string, unknown>): number | undefined {
  if (w === undefined) return undefined;
  const v = typeof w === 'number' ? w : w(args);
  return Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Walks a selection set under a type: per field, the cost of resolving it and of its children. */
class Coster {
  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly model: CostModel,
    private readonly variables: Record<string, unknown>,
  ) {
    this.fragments = definitions(document).fragments;
  }

  /** Requested cost of a selection set on `type`; `page` > 0 when `type` is a connection fetched with that page size. */
  selection(set: SelectionSetNode | undefined, type: GraphQLCompositeType, page: number, root: 'query' | 'mutation' | 'subscription' | null): number {
    if (!set) return 0;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) total += this.field(s, type, page, root);
      else if (s.kind === Kind.INLINE_FRAGMENT) {
        const cond = s.typeCondition ? (this.schema.getType(s.typeCondition.name.value) as GraphQLCompositeType | undefined) : type;
        if (cond && isCompositeType(cond)) total += this.selection(s.selectionSet, cond, page, root);
      } else {
        const f = this.fragments.get(s.name.value);
        if (!f) continue;
        const cond = this.schema.getType(f.typeCondition.name.value);
        if (!cond || !isCompositeType(cond)) continue;
        const key = `${f.name.value}|${page}|${root ?? ''}`;
        let c = this.memo.get(key);
        if (c === undefined) {
          this.memo.set(key, 0); // a cycle (refused by validation) costs nothing more
          c = this.selection(f.selectionSet, cond, page, root);
          this.memo.set(key, c);
        }
        total += c;
      }
    }
    return total;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType, page: number, root: 'query' | 'mutation' | 'subscription' | null): number {
    const name = node.name.value;
    if (name.startsWith('__')) return name === '__typename' ? 0 : 1 + this.introspection(node);
    if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
    const def = parent.getFields()[name];
    if (!def) return 0;
    const coord = `${parent.name}.${name}`;
    const needsArgs = coord in this.model.weights || coord in this.model.listSizes || def.args.some((a) => a.name === 'first' || a.name === 'last');
    const args = needsArgs ? argsOf(def, node, this.variables) : {};
    const own = weigh(this.model.weights[coord], args);
    const named = getNamedType(def.type);
    const list = isListType(getNullableType(def.type));
    // inside a connection: edges repeat per item of the page, pageInfo is free
    if (page > 0 && name === 'edges' && isCompositeType(named)) return (own ?? 0) + page * this.selection(node.selectionSet, named, 0, null);
    if (page > 0 && name === 'pageInfo') return own ?? 0;
    if (!isCompositeType(named)) return own ?? (root === 'mutation' ? 10 : 0);
    if (isConnectionType(named)) {
      const asked = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : this.model.defaultPageSize;
      const n = Math.min(this.model.maxPageSize, Math.max(0, asked));
      return (own ?? (root === 'mutation' ? 10 : 2)) + this.selection(node.selectionSet, named, n, null);
    }
    const children = this.selection(node.selectionSet, named, 0, null);
    if (list) {
      const size = weigh(this.model.listSizes[coord], args) ?? this.model.defaultListSize;
      return (own ?? (root === 'mutation' ? 10 : 0)) + size * (1 + children);
    }
    return (own ?? (root === 'mutation' ? 10 : 1)) + children;
  }

  /** Introspection (`__schema`, `__type`): one point per field asked, fragments expanded. */
  private introspection(node: FieldNode): number {
    const count = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let n = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) n += s.selectionSet ? 1 + count(s.selectionSet, seen) : 0;
        else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet, seen);
        else {
          const key = `__i|${s.name.value}`;
          let c = this.memo.get(key);
          if (c === undefined) {
            this.memo.set(key, 0);
            c = count(this.fragments.get(s.name.value)?.selectionSet, seen);
            this.memo.set(key, c);
          }
          n += c;
        }
      }
      return n;
    };
    return count(node.selectionSet, new Set());
  }
}

export type OperationType = 'query' | 'mutation' | 'subscription';

/** A requested cost, and its part per root field (by response key). */
export interface RequestedCost {
  total: number;
  roots: { field: string; cost: number; args: Record<string, unknown> }[];
}

/** The cost the operation asks for, from the document and the variables (before it runs). */
export function requestedCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined, model: CostModel): RequestedCost {
  const coster = new Coster(schema, document, model, variables ?? {});
  const out: RequestedCost = { total: 0, roots: [] };
  for (const op of selectedOperations(document, operationName)) {
    const root = schema.getRootType(op.operation as never);
    if (!root) continue;
    for (const sel of op.selectionSet.selections) {
      const cost = coster.selection({ kind: Kind.SELECTION_SET, selections: [sel] }, root, 0, op.operation);
      const field = sel.kind === Kind.FIELD ? sel.name.value : '';
      const def = field ? root.getFields()[field] : undefined;
      out.roots.push({ field, cost, args: def && sel.kind === Kind.FIELD ? argsOf(def, sel, variables ?? {}) : {} });
      out.total += cost;
    }
  }
  return out;
}

/** What the walk over a response needs to know of one field under one parent type (cached per document node). */
interface FieldFacts {
  def: GraphQLField<unknown, unknown>;
  coord: string;
  named: ReturnType<typeof getNamedType>;
  composite: boolean;
  connection: boolean;
  weighted: boolean;
}

/** Documents are cached by the parser, so their nodes are too: facts computed once per query text. */
const factsCache = new WeakMap<FieldNode, Map<string, FieldFacts | null>>();

function factsOf(node: FieldNode, type: GraphQLCompositeType, model: CostModel): FieldFacts | null {
  let byType = factsCache.get(node);
  if (!byType) factsCache.set(node, (byType = new Map()));
  let f = byType.get(type.name);
  if (f !== undefined) return f;
  f = null;
  if ((isObjectType(type) || isInterfaceType(type)) && !node.name.value.startsWith('__')) {
    const def = type.getFields()[node.name.value];
    if (def) {
      const named = getNamedType(def.type);
      const coord = `${type.name}.${node.name.value}`;
      f = { def, coord, named, composite: isCompositeType(named), connection: isCompositeType(named) && isConnectionType(named), weighted: coord in model.weights };
    }
  }
  byType.set(type.name, f);
  return f;
}

/**
 * What the operation did cost: the same rules over the data it returned (real page and list
 * sizes; null objects cost nothing). Explicit weights of fields that ran are counted as asked.
 */
export function actualCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined, model: CostModel, data: unknown): number {
  const { fragments } = definitions(document);
  const vars = variables ?? {};
  const walk = (set: SelectionSetNode | undefined, type: GraphQLCompositeType, value: unknown, inConnection: boolean, root: OperationType | null): number => {
    if (!set || value === null || typeof value !== 'object') return 0;
    const obj = value as Record<string, unknown>;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const cond = s.typeCondition ? (schema.getType(s.typeCondition.name.value) as GraphQLCompositeType | undefined) : type;
        if (cond && isCompositeType(cond)) total += walk(s.selectionSet, cond, value, inConnection, root);
        continue;
      }
      if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        const cond = f && schema.getType(f.typeCondition.name.value);
        if (f && cond && isCompositeType(cond)) total += walk(f.selectionSet, cond, value, inConnection, root);
        continue;
      }
      const key = s.alias?.value ?? s.name.value;
      if (!(key in obj)) continue;
      const f = factsOf(s, type, model);
      if (!f) continue;
      const own = f.weighted ? weigh(model.weights[f.coord], argsOf(f.def, s, vars)) : undefined;
      const v = obj[key];
      if (inConnection && s.name.value === 'pageInfo') {
        total += own ?? 0;
        continue;
      }
      if (!f.composite) {
        total += own ?? (root === 'mutation' ? 10 : 0);
        continue;
      }
      const named = f.named as GraphQLCompositeType;
      if (inConnection && s.name.value === 'edges') {
        if (Array.isArray(v)) for (const item of v) total += walk(s.selectionSet, named, item, false, null);
        total += own ?? 0;
        continue;
      }
      if (f.connection) {
        total += (own ?? (root === 'mutation' ? 10 : 2)) + walk(s.selectionSet, named, v, true, null);
        continue;
      }
      if (Array.isArray(v)) {
        total += own ?? (root === 'mutation' ? 10 : 0);
        for (const item of v) if (item !== null) total += 1 + walk(s.selectionSet, named, item, false, null);
        continue;
      }
      if (v !== null) total += (own ?? (root === 'mutation' ? 10 : 1)) + walk(s.selectionSet, named, v, false, null);
      else if (root === 'mutation') total += own ?? 10;
    }
    return total;
  };
  let total = 0;
  for (const op of selectedOperations(document, operationName)) {
    const root = schema.getRootType(op.operation as never);
    if (root) total += walk(op.selectionSet, root, data, false, op.operation);
  }
  return total;
}
