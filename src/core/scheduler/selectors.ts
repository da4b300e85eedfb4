/**
 * Label and node selector matching with Kubernetes semantics (apimachinery `labels.Selector`,
 * component-helpers `nodeaffinity`, core/v1 `Toleration.ToleratesTaint`), compiled once per
 * pod so the per-host checks allocate nothing.
 */
import type {
  LabelSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  Taint,
  Toleration,
} from './types';

// ---------------------------------------------------------------------------------------------
// Label selectors (metav1.LabelSelectorAsSelector)

const OP_IN = 0;
const OP_NOT_IN = 1;
const OP_EXISTS = 2;
const OP_DOES_NOT_EXIST = 3;

export interface LabelExpr {
  key: string;
  op: number;
  values: readonly string[];
}

/**
 * A compiled label selector. `nothing` for a null selector (Kubernetes: a nil selector selects no
 * pods) or an invalid one (In/NotIn without values, Exists/DoesNotExist with values: Kubernetes
 * rejects those; here they select nothing); `everything` for an empty one.
 */
export interface CompiledSelector {
  readonly nothing: boolean;
  readonly everything: boolean;
  readonly eqKeys: readonly string[];
  readonly eqValues: readonly string[];
  readonly exprs: readonly LabelExpr[];
  /** A canonical text of the selector (equal selectors have equal keys). */
  readonly key: string;
}

const NOTHING: CompiledSelector = { nothing: true, everything: false, eqKeys: [], eqValues: [], exprs: [], key: '!nothing' };
const EVERYTHING: CompiledSelector = { nothing: false, everything: true, eqKeys: [], eqValues: [], exprs: [], key: '' };

export function compileLabelSelector(sel: LabelSelector | null | undefined): CompiledSelector {
  if (sel === null || sel === undefined) return NOTHING;
  const ml = sel.matchLabels ?? {};
  const eqKeys = Object.keys(ml).sort();
  const eqValues = eqKeys.map((k) => ml[k]);
  const exprs: LabelExpr[] = [];
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    let op: number;
    switch (e.operator) {
      case 'In':
        op = OP_IN;
        break;
      case 'NotIn':
        op = OP_NOT_IN;
        break;
      case 'Exists':
        op = OP_EXISTS;
        break;
      case 'DoesNotExist':
        op = OP_DOES_NOT_EXIST;
        break;
      default:
        return NOTHING;
    }
    if ((op === OP_IN || op === OP_NOT_IN) && values.length === 0) return NOTHING;
    if ((op === OP_EXISTS || op === OP_DOES_NOT_EXIST) && values.length > 0) return NOTHING;
    exprs.push({ key: e.key, op, values });
  }
  exprs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.op - b.op));
  if (eqKeys.length === 0 && exprs.length === 0) return EVERYTHING;
  const key =
    eqKeys.map((k, i) => `${k}=${eqValues[i]}`).join(',') +
    '|' +
    exprs.map((e) => `${e.key} ${e.op} (${e.values.join(',')})`).join(',');
  return { nothing: false, everything: false, eqKeys, eqValues, exprs, key };
}

export function selectorMatches(s: CompiledSelector, labels: Record<string, string>): boolean {
  if (s.everything) return true;
  if (s.nothing) return false;
  const ek = s.eqKeys;
  for (let i = 0; i < ek.length; i++) {
    if (labels[ek[i]] !== s.eqValues[i]) return false;
  }
  const ex = s.exprs;
  for (let i = 0; i < ex.length; i++) {
    const e = ex[i];
    const v = labels[e.key];
    switch (e.op) {
      case OP_IN:
        if (v === undefined || !e.values.includes(v)) return false;
        break;
      case OP_NOT_IN:
        if (v !== undefined && e.values.includes(v)) return false;
        break;
      case OP_EXISTS:
        if (v === undefined) return false;
        break;
      case OP_DOES_NOT_EXIST:
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Node selectors (nodeSelector + requiredDuringSchedulingIgnoredDuringExecution)

/** Go's strconv.ParseInt(s, 10, 64) accepts an optional sign and decimal digits. */
const INT_RE = /^[+-]?\d+$/;

function parseInt64(s: string): number | null {
  if (!INT_RE.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

export function nodeSelectorRequirementMatches(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || values.length !== 1) return false;
      const have = parseInt64(v);
      const want = parseInt64(values[0]);
      if (have === null || want === null) return false;
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** matchFields: only `metadata.name` (the host id), with In / NotIn, as Kubernetes supports. */
function fieldRequirementMatches(r: NodeSelectorRequirement, hostId: string): boolean {
  if (r.key !== 'metadata.name') return false;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return values.includes(hostId);
    case 'NotIn':
      return !values.includes(hostId);
    default:
      return false;
  }
}

/** A term with neither expressions nor fields matches nothing (Kubernetes). */
export function nodeSelectorTermMatches(t: NodeSelectorTerm, labels: Record<string, string>, hostId: string): boolean {
  const exprs = t.matchExpressions ?? [];
  const fields = t.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (let i = 0; i < exprs.length; i++) if (!nodeSelectorRequirementMatches(exprs[i], labels)) return false;
  for (let i = 0; i < fields.length; i++) if (!fieldRequirementMatches(fields[i], hostId)) return false;
  return true;
}

/** nodeSelector (every pair equal) AND required node affinity (terms ORed; null = no requirement). */
export function requiredNodeSelectorMatches(
  nodeSelector: Record<string, string>,
  required: NodeSelectorTerm[] | null,
  labels: Record<string, string>,
  hostId: string,
): boolean {
  for (const k in nodeSelector) if (labels[k] !== nodeSelector[k]) return false;
  if (required === null) return true;
  for (let i = 0; i < required.length; i++) if (nodeSelectorTermMatches(required[i], labels, hostId)) return true;
  return false;
}

/** True when matching the terms may differ between hosts whose labels differ only in the hostname. */
export function termsUseHostIdentity(terms: readonly NodeSelectorTerm[], hostnameKey: string): boolean {
  for (const t of terms) {
    if ((t.matchFields ?? []).length > 0) return true;
    for (const e of t.matchExpressions ?? []) if (e.key === hostnameKey) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Taints and tolerations (core/v1 helper ToleratesTaint)

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== '' && t.effect !== undefined && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== undefined && t.key !== taint.key) return false;
  switch (t.operator) {
    case 'Exists':
      return true;
    case 'Equal':
    case undefined:
    case '' as Toleration['operator']:
      return (t.value ?? '') === taint.value;
    default:
      return false;
  }
}

export function tolerationsTolerate(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i], taint)) return true;
  return false;
}
