/**
 * The Deployment controller as a pure function: (Deployment, its ReplicaSets, now) → the
 * ReplicaSets to create / scale / delete, the Deployment's status, events and when to run again.
 *
 * Follows Kubernetes' pkg/controller/deployment: deployment_controller.go (syncDeployment),
 * sync.go (getNewReplicaSet, scale, cleanupDeployment, syncRolloutStatus, calculateStatus),
 * rolling.go, recreate.go, progress.go and util/deployment_util.go. Availability is read from
 * the ReplicaSets' statuses, as upstream does.
 */
import { podTemplateHash } from '../pods';
import type { Condition, DeploymentSpec, IntOrPercent, PodTemplate, ReplicaSetSpec } from './specs';
import type { WorkloadEvent } from './types';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Deployment annotations never copied onto its ReplicaSets (upstream annotationsToSkip). */
const SKIP_COPY = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);
/** Upstream's cap on the revision-history annotation's length. */
const REVISION_HISTORY_MAX_CHARS = 2000;
/** progressDeadlineSeconds at or above this means "no deadline" (upstream uses MaxInt32). */
const NO_DEADLINE = 2147483647;

// Condition reasons (upstream util/deployment_util.go).
export const REASON = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const;

export interface ReplicaSetInfo {
  id: string;
  name: string;
  templateHash: string;
  revision: number;
  spec: ReplicaSetSpec;
  status: { replicas: number; readyReplicas: number; availableReplicas: number };
  annotations: Record<string, string>;
  createdAt: Date;
  /** pods of this RS that still exist, terminating included */
  podCount: number;
}

export interface DeploymentInput {
  name: string;
  namespace: string;
  generation: number;
  spec: DeploymentSpec;
  status: Partial<DeploymentStatus>;
  annotations: Record<string, string>;
  createdAt: Date;
}

export interface DeploymentStatus {
  observedGeneration: number;
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  conditions: Condition[];
}

export interface DeploymentSyncResult {
  createReplicaSets: { name: string; templateHash: string; spec: ReplicaSetSpec; annotations: Record<string, string> }[];
  /**
   * Changes to existing ReplicaSets. `annotations` is the RS's complete new annotation map.
   * `minReadySeconds` is set when the Deployment's minReadySeconds changed (upstream copies it
   * onto the new ReplicaSet's spec).
   */
  updateReplicaSets: { id: string; replicas?: number; annotations?: Record<string, string>; minReadySeconds?: number }[];
  deleteReplicaSets: { id: string; name: string }[];
  /** The Deployment's annotations if they must change (deployment.kubernetes.io/revision), else null. */
  annotations: Record<string, string> | null;
  status: DeploymentStatus;
  events: WorkloadEvent[];
  requeueAfterMs: number | null;
}

// ---------------------------------------------------------------------------------------------
// Int-or-percent and fenceposts

/**
 * Kubernetes' GetScaledValueFromIntOrPercent: an int is itself; "N%" is N% of total, rounded up
 * or down. Validation rejects anything else; here a bare numeric string counts as an int and
 * garbage as 0 so the controller never throws.
 */
export function resolveIntOrPercent(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  const s = v.trim();
  const m = /^(-?\d+)%$/.exec(s);
  if (m) {
    const scaled = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
  }
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? Math.trunc(n) : 0;
}

/**
 * Kubernetes' ResolveFenceposts for a RollingUpdate deployment: surge rounds up, unavailable
 * rounds down, and if both come out 0 unavailable is 1. A Recreate deployment has no surge and
 * no unavailability budget (0, 0), as upstream's MaxSurge / MaxUnavailable.
 */
export function maxSurgeAndUnavailable(spec: DeploymentSpec): { maxSurge: number; maxUnavailable: number } {
  if (spec.strategy.type !== 'RollingUpdate') return { maxSurge: 0, maxUnavailable: 0 };
  const ru = spec.strategy.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru.maxSurge ?? 0, spec.replicas, true);
  let maxUnavailable = resolveIntOrPercent(ru.maxUnavailable ?? 0, spec.replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** Upstream MaxSurge(d): 0 unless RollingUpdate. */
function maxSurgeOf(spec: DeploymentSpec): number {
  return spec.strategy.type === 'RollingUpdate' ? maxSurgeAndUnavailable(spec).maxSurge : 0;
}

/** Upstream MaxUnavailable(d): 0 unless RollingUpdate with replicas > 0; never more than replicas. */
function maxUnavailableOf(spec: DeploymentSpec): number {
  if (spec.strategy.type !== 'RollingUpdate' || spec.replicas === 0) return 0;
  return Math.min(maxSurgeAndUnavailable(spec).maxUnavailable, spec.replicas);
}

// ---------------------------------------------------------------------------------------------
// Rollback

function revisionOf(rs: Pick<ReplicaSetInfo, 'revision' | 'annotations'>): number {
  if (Number.isFinite(rs.revision) && rs.revision > 0) return rs.revision;
  const n = Number(rs.annotations?.[REVISION_ANNOTATION]);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The pod template of a revision, without its pod-template-hash label (what `kubectl rollout
 * undo --to-revision=N` writes back into the Deployment). Revision 0 = the previous revision.
 */
export function rollbackTemplate(replicaSets: ReplicaSetInfo[], revision: number): { template: PodTemplate } | { error: string } {
  let found: ReplicaSetInfo | null = null;
  if (revision === 0) {
    let latest: ReplicaSetInfo | null = null;
    let latestRev = -1;
    let previous: ReplicaSetInfo | null = null;
    let previousRev = -1;
    for (const rs of replicaSets) {
      const v = revisionOf(rs);
      if (v > latestRev) {
        previous = latest;
        previousRev = latestRev;
        latest = rs;
        latestRev = v;
      } else if (v > previousRev) {
        previous = rs;
        previousRev = v;
      }
    }
    if (!previous) return { error: 'no rollout history found' };
    found = previous;
  } else {
    found = replicaSets.find((rs) => revisionOf(rs) === revision) ?? null;
    if (!found) return { error: `unable to find specified revision ${revision} in history` };
  }
  const template = structuredClone(found.spec.template);
  delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return { template };
}

// ---------------------------------------------------------------------------------------------
// The sync

/** A ReplicaSet as the sync sees it, with the changes made so far. */
interface WorkRS {
  /** null for a ReplicaSet created in this sync. */
  id: string | null;
  name: string;
  templateHash: string;
  replicas: number;
  annotations: Record<string, string>;
  minReadySeconds: number;
  status: { replicas: number; readyReplicas: number; availableReplicas: number };
  createdAt: Date;
  podCount: number;
  spec: ReplicaSetSpec;
  original: ReplicaSetInfo | null;
}

function byCreation(a: WorkRS, b: WorkRS): number {
  const d = a.createdAt.getTime() - b.createdAt.getTime();
  if (d !== 0) return d;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function sum(rss: WorkRS[], f: (rs: WorkRS) => number): number {
  return rss.reduce((n, rs) => n + f(rs), 0);
}

function intAnnotation(a: Record<string, string>, key: string): number | null {
  const s = a[key];
  if (s === undefined || !/^-?\d+$/.test(s.trim())) return null;
  return Number(s);
}

function revisionOfWork(rs: WorkRS): number {
  return intAnnotation(rs.annotations, REVISION_ANNOTATION) ?? (rs.original ? revisionOf(rs.original) : 0);
}

function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] === a[k]);
}

const CONDITION_ORDER = ['Available', 'Progressing', 'ReplicaFailure'];

class DeploymentSync {
  readonly spec: DeploymentSpec;
  readonly nowIso: string;
  readonly hash: string;
  readonly oldStatus: Omit<DeploymentStatus, 'conditions'>;
  readonly rss: WorkRS[];
  readonly events: WorkloadEvent[] = [];
  readonly deletes: { id: string; name: string }[] = [];
  /** The Deployment's conditions as changed so far (upstream mutates d.Status in place). */
  conditions: Condition[];
  annotations: Record<string, string>;

  constructor(
    readonly d: DeploymentInput,
    replicaSets: ReplicaSetInfo[],
    readonly now: number,
  ) {
    this.spec = d.spec;
    this.nowIso = new Date(now).toISOString();
    this.hash = podTemplateHash(d.spec.template);
    const s = d.status ?? {};
    this.oldStatus = {
      observedGeneration: s.observedGeneration ?? 0,
      replicas: s.replicas ?? 0,
      updatedReplicas: s.updatedReplicas ?? 0,
      readyReplicas: s.readyReplicas ?? 0,
      availableReplicas: s.availableReplicas ?? 0,
      unavailableReplicas: s.unavailableReplicas ?? 0,
    };
    this.conditions = (s.conditions ?? []).map((c) => ({ ...c }));
    this.annotations = { ...(d.annotations ?? {}) };
    this.rss = replicaSets.map((rs) => ({
      id: rs.id,
      name: rs.name,
      templateHash: rs.templateHash,
      replicas: rs.spec.replicas,
      annotations: { ...(rs.annotations ?? {}) },
      minReadySeconds: rs.spec.minReadySeconds ?? 0,
      status: { ...rs.status },
      createdAt: rs.createdAt,
      podCount: rs.podCount,
      spec: rs.spec,
      original: rs,
    }));
  }

  get hasProgressDeadline(): boolean {
    const s = this.spec.progressDeadlineSeconds;
    return typeof s === 'number' && Number.isFinite(s) && s < NO_DEADLINE;
  }

  // --- conditions ---

  getCondition(conds: Condition[], type: string): Condition | undefined {
    return conds.find((c) => c.type === type);
  }

  newCondition(type: string, status: Condition['status'], reason: string, message: string): Condition {
    return { type, status, reason, message, lastUpdateTime: this.nowIso, lastTransitionTime: this.nowIso };
  }

  /** Upstream SetDeploymentCondition: no-op when status and reason are unchanged; keeps lastTransitionTime when status is unchanged. */
  setCondition(conds: Condition[], c: Condition): Condition[] {
    const cur = this.getCondition(conds, c.type);
    if (cur && cur.status === c.status && cur.reason === c.reason) return conds;
    if (cur && cur.status === c.status) c = { ...c, lastTransitionTime: cur.lastTransitionTime };
    return [...conds.filter((x) => x.type !== c.type), c];
  }

  removeCondition(conds: Condition[], type: string): Condition[] {
    return conds.filter((c) => c.type !== type);
  }

  // --- ReplicaSets ---

  newRS(): WorkRS | null {
    return this.rss.filter((rs) => rs.templateHash === this.hash).sort(byCreation)[0] ?? null;
  }

  oldRSs(newRS: WorkRS | null): WorkRS[] {
    return this.rss.filter((rs) => rs !== newRS);
  }

  setReplicasAnnotations(rs: WorkRS): boolean {
    const desired = String(this.spec.replicas);
    const max = String(this.spec.replicas + maxSurgeOf(this.spec));
    let changed = false;
    if (rs.annotations[DESIRED_REPLICAS_ANNOTATION] !== desired) {
      rs.annotations[DESIRED_REPLICAS_ANNOTATION] = desired;
      changed = true;
    }
    if (rs.annotations[MAX_REPLICAS_ANNOTATION] !== max) {
      rs.annotations[MAX_REPLICAS_ANNOTATION] = max;
      changed = true;
    }
    return changed;
  }

  /** Upstream SetNewReplicaSetAnnotations. */
  setNewReplicaSetAnnotations(rs: WorkRS, newRevision: number, exists: boolean): boolean {
    let changed = false;
    for (const [k, v] of Object.entries(this.d.annotations ?? {})) {
      if (SKIP_COPY.has(k) || rs.annotations[k] === v) continue;
      rs.annotations[k] = v;
      changed = true;
    }
    const oldRevisionText = rs.annotations[REVISION_ANNOTATION];
    const oldRevision = oldRevisionText === undefined ? 0 : intAnnotation(rs.annotations, REVISION_ANNOTATION);
    if (oldRevision === null) return changed; // not an int: leave it alone, as upstream
    if (oldRevision < newRevision) {
      rs.annotations[REVISION_ANNOTATION] = String(newRevision);
      changed = true;
      if (oldRevisionText !== undefined) {
        // Brought back (a rollback): remember the revisions it served before.
        const history = rs.annotations[REVISION_HISTORY_ANNOTATION] ?? '';
        const revisions = history === '' ? [] : history.split(',');
        revisions.push(oldRevisionText);
        while (revisions.join(',').length > REVISION_HISTORY_MAX_CHARS && revisions.length > 1) revisions.shift();
        rs.annotations[REVISION_HISTORY_ANNOTATION] = revisions.join(',');
      }
    }
    if (!exists && this.setReplicasAnnotations(rs)) changed = true;
    return changed;
  }

  setDeploymentRevision(revision: string | undefined): void {
    if (revision !== undefined && this.annotations[REVISION_ANNOTATION] !== revision) this.annotations[REVISION_ANNOTATION] = revision;
  }

  /** Upstream NewRSNewReplicas. */
  newRSNewReplicas(newRS: WorkRS, all: WorkRS[]): number {
    if (this.spec.strategy.type !== 'RollingUpdate') return this.spec.replicas;
    const maxTotal = this.spec.replicas + maxSurgeOf(this.spec);
    const current = sum(all, (rs) => rs.replicas);
    if (current >= maxTotal) return newRS.replicas;
    const up = Math.min(maxTotal - current, this.spec.replicas - newRS.replicas);
    return newRS.replicas + up;
  }

  /** Upstream getAllReplicaSetsAndSyncRevision / getNewReplicaSet. */
  syncRevision(createIfNotExisted: boolean): WorkRS | null {
    const existing = this.newRS();
    const old = this.oldRSs(existing);
    const maxOldRevision = old.reduce((m, rs) => Math.max(m, revisionOfWork(rs)), 0);
    const newRevision = maxOldRevision + 1;
    if (existing) {
      this.setNewReplicaSetAnnotations(existing, newRevision, true);
      existing.minReadySeconds = this.spec.minReadySeconds ?? 0;
      this.setDeploymentRevision(existing.annotations[REVISION_ANNOTATION]);
      if (this.hasProgressDeadline && !this.getCondition(this.conditions, 'Progressing')) {
        this.conditions = this.setCondition(
          this.conditions,
          this.newCondition('Progressing', 'True', REASON.foundNewReplicaSet, `Found new replica set "${existing.name}"`),
        );
      }
      return existing;
    }
    if (!createIfNotExisted) return null;

    const template = structuredClone(this.spec.template);
    template.metadata.labels = { ...template.metadata.labels, [POD_TEMPLATE_HASH_LABEL]: this.hash };
    const spec: ReplicaSetSpec = {
      replicas: 0,
      selector: { matchLabels: { ...this.spec.selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: this.hash } },
      template,
      minReadySeconds: this.spec.minReadySeconds ?? 0,
    };
    const rs: WorkRS = {
      id: null,
      name: `${this.d.name}-${this.hash}`,
      templateHash: this.hash,
      replicas: 0,
      annotations: {},
      minReadySeconds: spec.minReadySeconds,
      status: { replicas: 0, readyReplicas: 0, availableReplicas: 0 },
      createdAt: new Date(this.now),
      podCount: 0,
      spec,
      original: null,
    };
    rs.replicas = this.newRSNewReplicas(rs, [...old, rs]);
    this.setNewReplicaSetAnnotations(rs, newRevision, false);
    this.rss.push(rs);
    if (rs.replicas > 0) this.scalingEvent('up', rs.name, rs.replicas);
    this.setDeploymentRevision(String(newRevision));
    if (this.hasProgressDeadline) {
      this.conditions = this.setCondition(
        this.conditions,
        this.newCondition('Progressing', 'True', REASON.newReplicaSetCreated, `Created new replica set "${rs.name}"`),
      );
    }
    return rs;
  }

  scalingEvent(direction: 'up' | 'down', name: string, to: number): void {
    this.events.push({ type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${direction} replica set ${name} to ${to}` });
  }

  /** Upstream scaleReplicaSet: sets the size and the desired/max annotations; true if the size changed. */
  scaleReplicaSet(rs: WorkRS, newScale: number): boolean {
    const sizeNeedsUpdate = rs.replicas !== newScale;
    const annotationsChanged = this.setReplicasAnnotations(rs);
    if (!sizeNeedsUpdate && !annotationsChanged) return false;
    const old = rs.replicas;
    rs.replicas = newScale;
    if (sizeNeedsUpdate) this.scalingEvent(newScale > old ? 'up' : 'down', rs.name, newScale);
    return sizeNeedsUpdate;
  }

  /** Upstream scaleReplicaSetAndRecordEvent. */
  scaleAndRecord(rs: WorkRS, newScale: number): boolean {
    if (rs.replicas === newScale) return false;
    return this.scaleReplicaSet(rs, newScale);
  }

  // --- scaling (sync.go) ---

  isScalingEvent(): boolean {
    this.syncRevision(false);
    for (const rs of this.rss.filter((x) => x.replicas > 0)) {
      const desired = intAnnotation(rs.annotations, DESIRED_REPLICAS_ANNOTATION);
      if (desired !== null && desired !== this.spec.replicas) return true;
    }
    return false;
  }

  isSaturated(rs: WorkRS | null): boolean {
    if (!rs) return false;
    const desired = intAnnotation(rs.annotations, DESIRED_REPLICAS_ANNOTATION);
    if (desired === null) return false;
    return rs.replicas === this.spec.replicas && desired === this.spec.replicas && rs.status.availableReplicas === this.spec.replicas;
  }

  replicaSetFraction(rs: WorkRS): number {
    if (this.spec.replicas === 0) return -rs.replicas;
    const deploymentMax = this.spec.replicas + maxSurgeOf(this.spec);
    let before = intAnnotation(rs.annotations, MAX_REPLICAS_ANNOTATION);
    if (before === null || before === 0) before = this.oldStatus.replicas;
    if (before === 0) return Number.POSITIVE_INFINITY; // nothing to proportion against: min(…, allowed) decides
    return roundHalfAwayFromZero((rs.replicas * deploymentMax) / before) - rs.replicas;
  }

  proportion(rs: WorkRS, toAdd: number, added: number): number {
    if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
    const fraction = this.replicaSetFraction(rs);
    const allowed = toAdd - added;
    if (toAdd > 0) return Math.min(fraction, allowed);
    return Math.max(Number.isFinite(fraction) ? fraction : allowed, allowed);
  }

  /** Upstream scale(): a replicas change without a template change, including proportional scaling mid-rollout. */
  scale(newRS: WorkRS | null, oldRSs: WorkRS[]): void {
    const oldNewestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
    const active = [...oldNewestFirst, ...(newRS ? [newRS] : [])].filter((rs) => rs.replicas > 0);
    let activeOrLatest: WorkRS | null = null;
    if (newRS || oldRSs.length > 0) {
      if (active.length === 0) activeOrLatest = newRS ?? oldNewestFirst[0];
      else if (active.length === 1) activeOrLatest = active[0];
    }
    if (activeOrLatest) {
      if (activeOrLatest.replicas !== this.spec.replicas) this.scaleAndRecord(activeOrLatest, this.spec.replicas);
      return;
    }
    if (newRS && this.isSaturated(newRS)) {
      for (const old of oldRSs.filter((rs) => rs.replicas > 0)) this.scaleAndRecord(old, 0);
      return;
    }
    if (this.spec.strategy.type !== 'RollingUpdate') return;

    const current = sum(active, (rs) => rs.replicas);
    const allowedSize = this.spec.replicas > 0 ? this.spec.replicas + maxSurgeOf(this.spec) : 0;
    const toAdd = allowedSize - current;
    let ordered = active;
    if (toAdd > 0) {
      // Larger first; among equals the newer first.
      ordered = [...active].sort((a, b) => b.replicas - a.replicas || byCreation(b, a));
    } else if (toAdd < 0) {
      // Larger first; among equals the older first.
      ordered = [...active].sort((a, b) => b.replicas - a.replicas || byCreation(a, b));
    }
    let added = 0;
    const size = new Map<WorkRS, number>();
    for (const rs of ordered) {
      if (toAdd !== 0) {
        const p = this.proportion(rs, toAdd, added);
        size.set(rs, rs.replicas + p);
        added += p;
      } else {
        size.set(rs, rs.replicas);
      }
    }
    ordered.forEach((rs, i) => {
      if (i === 0 && toAdd !== 0) size.set(rs, Math.max(0, size.get(rs)! + toAdd - added));
      this.scaleReplicaSet(rs, size.get(rs)!);
    });
  }

  /** Upstream cleanupDeployment: delete the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  cleanup(oldRSs: WorkRS[]): void {
    const limit = this.spec.revisionHistoryLimit;
    if (typeof limit !== 'number' || !Number.isFinite(limit)) return;
    const cleanable = oldRSs.filter((rs) => rs.id !== null);
    const diff = cleanable.length - Math.max(0, limit);
    if (diff <= 0) return;
    const sorted = [...cleanable].sort((a, b) => revisionOfWork(a) - revisionOfWork(b) || byCreation(a, b));
    for (const rs of sorted.slice(0, diff)) {
      if (rs.status.replicas !== 0 || rs.replicas !== 0 || rs.podCount !== 0) continue;
      if (rs.original && rs.original.spec.replicas !== 0) continue;
      this.deletes.push({ id: rs.id!, name: rs.name });
    }
  }

  // --- rolling.go ---

  reconcileNewReplicaSet(newRS: WorkRS): boolean {
    if (newRS.replicas === this.spec.replicas) return false;
    if (newRS.replicas > this.spec.replicas) return this.scaleAndRecord(newRS, this.spec.replicas);
    return this.scaleAndRecord(newRS, this.newRSNewReplicas(newRS, this.rss));
  }

  reconcileOldReplicaSets(newRS: WorkRS): boolean {
    const oldRSs = this.oldRSs(newRS).filter((rs) => rs.replicas > 0);
    const oldPods = sum(oldRSs, (rs) => rs.replicas);
    if (oldPods === 0) return false;
    const allPods = sum(this.rss, (rs) => rs.replicas);
    const minAvailable = this.spec.replicas - maxUnavailableOf(this.spec);
    const newRSUnavailable = newRS.replicas - newRS.status.availableReplicas;
    const maxScaledDown = allPods - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;
    // Clean up unhealthy old replicas first: they are not available anyway.
    const cleaned = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
    const scaledDown = this.scaleDownOldReplicaSetsForRollingUpdate(oldRSs);
    return cleaned + scaledDown > 0;
  }

  cleanupUnhealthyReplicas(oldRSs: WorkRS[], maxCleanup: number): number {
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= maxCleanup) break;
      if (rs.replicas === 0) continue;
      if (rs.replicas === rs.status.availableReplicas) continue;
      const n = Math.min(maxCleanup - total, rs.replicas - rs.status.availableReplicas);
      if (n <= 0) continue; // more available than desired: nothing unhealthy to remove
      this.scaleAndRecord(rs, rs.replicas - n);
      total += n;
    }
    return total;
  }

  scaleDownOldReplicaSetsForRollingUpdate(oldRSs: WorkRS[]): number {
    const minAvailable = this.spec.replicas - maxUnavailableOf(this.spec);
    const available = sum(this.rss, (rs) => rs.status.availableReplicas);
    if (available <= minAvailable) return 0;
    const totalToScaleDown = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= totalToScaleDown) break;
      if (rs.replicas === 0) continue;
      const n = Math.min(rs.replicas, totalToScaleDown - total);
      this.scaleAndRecord(rs, rs.replicas - n);
      total += n;
    }
    return total;
  }

  rolloutRolling(): DeploymentStatus {
    const newRS = this.syncRevision(true)!;
    if (this.reconcileNewReplicaSet(newRS)) return this.syncRolloutStatus(newRS);
    if (this.reconcileOldReplicaSets(newRS)) return this.syncRolloutStatus(newRS);
    if (this.deploymentComplete(this.oldStatus)) this.cleanup(this.oldRSs(newRS));
    return this.syncRolloutStatus(newRS);
  }

  // --- recreate.go ---

  rolloutRecreate(): DeploymentStatus {
    let newRS = this.syncRevision(false);
    let scaledDown = false;
    for (const rs of this.oldRSs(newRS).filter((x) => x.replicas > 0)) {
      if (this.scaleAndRecord(rs, 0)) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(newRS);
    // Never start new pods while an old one still exists (terminating included).
    const oldPodsRunning = this.oldRSs(newRS).some((rs) => rs.status.replicas > 0 || rs.podCount > 0);
    if (oldPodsRunning) return this.syncRolloutStatus(newRS);
    if (!newRS) newRS = this.syncRevision(true)!;
    this.scaleAndRecord(newRS, this.spec.replicas);
    if (this.deploymentComplete(this.oldStatus)) this.cleanup(this.oldRSs(newRS));
    return this.syncRolloutStatus(newRS);
  }

  // --- status (sync.go, progress.go) ---

  deploymentComplete(s: Omit<DeploymentStatus, 'conditions'>): boolean {
    const r = this.spec.replicas;
    return s.updatedReplicas === r && s.replicas === r && s.availableReplicas === r && s.observedGeneration >= this.d.generation;
  }

  deploymentProgressing(s: Omit<DeploymentStatus, 'conditions'>): boolean {
    const old = this.oldStatus;
    return (
      s.updatedReplicas > old.updatedReplicas ||
      s.replicas - s.updatedReplicas < old.replicas - old.updatedReplicas ||
      s.readyReplicas > old.readyReplicas ||
      s.availableReplicas > old.availableReplicas
    );
  }

  deadlineOf(c: Condition): number {
    return Date.parse(c.lastUpdateTime ?? c.lastTransitionTime) + this.spec.progressDeadlineSeconds * 1000;
  }

  deploymentTimedOut(conds: Condition[]): boolean {
    if (!this.hasProgressDeadline) return false;
    const c = this.getCondition(conds, 'Progressing');
    if (!c) return false;
    if (c.reason === REASON.newReplicaSetAvailable) return false;
    if (c.reason === REASON.progressDeadlineExceeded) return true;
    return this.deadlineOf(c) <= this.now;
  }

  /** Upstream calculateStatus: counts from the ReplicaSets' statuses and the Available condition. */
  calculateStatus(newRS: WorkRS | null): DeploymentStatus {
    const available = sum(this.rss, (rs) => rs.status.availableReplicas);
    const total = sum(this.rss, (rs) => rs.replicas);
    const status: DeploymentStatus = {
      observedGeneration: this.d.generation,
      replicas: sum(this.rss, (rs) => rs.status.replicas),
      updatedReplicas: newRS ? newRS.status.replicas : 0,
      readyReplicas: sum(this.rss, (rs) => rs.status.readyReplicas),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
      conditions: this.conditions,
    };
    const cond =
      available >= this.spec.replicas - maxUnavailableOf(this.spec)
        ? this.newCondition('Available', 'True', REASON.minimumReplicasAvailable, 'Deployment has minimum availability.')
        : this.newCondition('Available', 'False', REASON.minimumReplicasUnavailable, 'Deployment does not have minimum availability.');
    status.conditions = this.setCondition(status.conditions, cond);
    return status;
  }

  /** Upstream syncRolloutStatus: calculateStatus plus the Progressing condition. */
  syncRolloutStatus(newRS: WorkRS | null): DeploymentStatus {
    const status = this.calculateStatus(newRS);
    if (!this.hasProgressDeadline) status.conditions = this.removeCondition(status.conditions, 'Progressing');
    const current = this.getCondition(this.conditions, 'Progressing');
    const isComplete = status.replicas === status.updatedReplicas && current?.reason === REASON.newReplicaSetAvailable;
    if (this.hasProgressDeadline && !isComplete) {
      const subject = newRS ? `ReplicaSet "${newRS.name}"` : `Deployment "${this.d.name}"`;
      if (this.deploymentComplete(status)) {
        status.conditions = this.setCondition(
          status.conditions,
          this.newCondition('Progressing', 'True', REASON.newReplicaSetAvailable, `${subject} has successfully progressed.`),
        );
      } else if (this.deploymentProgressing(status)) {
        // Progress: refresh lastUpdateTime even when the reason stays the same.
        let c = this.newCondition('Progressing', 'True', REASON.replicaSetUpdated, `${subject} is progressing.`);
        if (current) {
          if (current.status === 'True') c = { ...c, lastTransitionTime: current.lastTransitionTime };
          status.conditions = this.removeCondition(status.conditions, 'Progressing');
        }
        status.conditions = this.setCondition(status.conditions, c);
      } else if (this.deploymentTimedOut(status.conditions)) {
        status.conditions = this.setCondition(
          status.conditions,
          this.newCondition('Progressing', 'False', REASON.progressDeadlineExceeded, `${subject} has timed out progressing.`),
        );
      }
    }
    return status;
  }

  /** Upstream checkPausedConditions. */
  checkPausedConditions(): void {
    if (!this.hasProgressDeadline) return;
    const c = this.getCondition(this.conditions, 'Progressing');
    if (c?.reason === REASON.progressDeadlineExceeded) return;
    const pausedCondExists = c?.reason === REASON.paused;
    if (this.spec.paused && !pausedCondExists) {
      this.conditions = this.setCondition(this.conditions, this.newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused'));
    } else if (!this.spec.paused && pausedCondExists) {
      this.conditions = this.setCondition(this.conditions, this.newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed'));
    }
  }

  /** Time until the progress deadline passes while a rollout is under way, else null. */
  requeueAfter(status: DeploymentStatus): number | null {
    if (!this.hasProgressDeadline || this.spec.paused) return null;
    const c = this.getCondition(status.conditions, 'Progressing');
    if (!c || c.reason === REASON.progressDeadlineExceeded || c.reason === REASON.newReplicaSetAvailable) return null;
    if (this.deploymentComplete(status)) return null;
    const deadline = this.deadlineOf(c);
    return Number.isFinite(deadline) ? Math.max(0, deadline - this.now) : null;
  }

  run(): DeploymentSyncResult {
    this.checkPausedConditions();
    let status: DeploymentStatus;
    if (this.spec.paused) {
      const newRS = this.syncRevision(false);
      this.scale(newRS, this.oldRSs(newRS));
      this.cleanup(this.oldRSs(newRS));
      status = this.calculateStatus(newRS);
    } else if (this.isScalingEvent()) {
      const newRS = this.syncRevision(false);
      this.scale(newRS, this.oldRSs(newRS));
      status = this.calculateStatus(newRS);
    } else if (this.spec.strategy.type === 'Recreate') {
      status = this.rolloutRecreate();
    } else {
      status = this.rolloutRolling();
    }
    status.conditions = [...status.conditions].sort((a, b) => rankType(a.type) - rankType(b.type));
    return {
      createReplicaSets: this.rss
        .filter((rs) => rs.id === null)
        .map((rs) => ({
          name: rs.name,
          templateHash: rs.templateHash,
          spec: { ...rs.spec, replicas: rs.replicas, minReadySeconds: rs.minReadySeconds },
          annotations: rs.annotations,
        })),
      updateReplicaSets: this.updates(),
      deleteReplicaSets: this.deletes,
      annotations: sameMap(this.annotations, this.d.annotations ?? {}) ? null : this.annotations,
      status,
      events: this.events,
      requeueAfterMs: this.requeueAfter(status),
    };
  }

  updates(): DeploymentSyncResult['updateReplicaSets'] {
    const out: DeploymentSyncResult['updateReplicaSets'] = [];
    for (const rs of this.rss) {
      if (rs.id === null || !rs.original) continue;
      const u: DeploymentSyncResult['updateReplicaSets'][number] = { id: rs.id };
      if (rs.replicas !== rs.original.spec.replicas) u.replicas = rs.replicas;
      if (!sameMap(rs.annotations, rs.original.annotations ?? {})) u.annotations = rs.annotations;
      if (rs.minReadySeconds !== (rs.original.spec.minReadySeconds ?? 0)) u.minReadySeconds = rs.minReadySeconds;
      if (Object.keys(u).length > 1) out.push(u);
    }
    return out;
  }
}

function rankType(t: string): number {
  const i = CONDITION_ORDER.indexOf(t);
  return i < 0 ? CONDITION_ORDER.length : i;
}

export function syncDeployment(d: DeploymentInput, replicaSets: ReplicaSetInfo[], now: number): DeploymentSyncResult {
  return new DeploymentSync(d, replicaSets, now).run();
}
