/**
 * The scheduling core's data model (kube-scheduler's, adapted to a provider-side fleet).
 *
 * Hosts are the fleet's machines; a pod runs in its own sandbox on exactly one host. A host's
 * `requested` counts every sandbox on it (all tenants); its `pods` lists only the pods of the
 * cluster being scheduled (affinity, topology spread and preemption are per cluster: one tenant's
 * pods never attract, repel or preempt another tenant's).
 *
 * Resources a pod takes on a host are its billed spec (the sandbox is sized to it), so requests
 * are never zero and kube-scheduler's "non-zero request" defaults never apply.
 *
 * Pure data: no I/O, no clock, no randomness (callers inject a random source).
 */

export type GpuModel = 'V100' | 'T4';
export type CpuType = 'intel' | 'amd';
export type CapacityPool = 'regular' | 'spot';

/** Well-known labels every host carries (as a virtual node would). */
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const INSTANCE_TYPE_EKLET = 'eklet';
export const LABEL_CPU_TYPE = 'eks.tke.cloud.tencent.com/cpu-type';
export const LABEL_GPU_TYPE = 'eks.tke.cloud.tencent.com/gpu-type';
export const LABEL_CAPACITY_TYPE = 'eks.tke.cloud.tencent.com/capacity-type';
/** The taint every host carries; admission adds the matching toleration to every pod. */
export const TAINT_EKLET = 'eks.tke.cloud.tencent.com/eklet';
/** GPU hosts carry `nvidia.com/gpu:NoSchedule`; admission tolerates it for pods that request GPUs (ExtendedResourceToleration). */
export const TAINT_GPU = 'nvidia.com/gpu';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

/** core/v1 Toleration. Empty key with operator Exists tolerates everything; empty effect matches every effect. */
export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value: string;
  effect: TaintEffect | '';
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values: string[];
}

/** A node selector term: its expressions (on labels) and fields (only `metadata.name`, the host id) are ANDed. */
export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  matchFields: NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: LabelSelectorOperator; values: string[] }[];
}

export interface PodAffinityTerm {
  /** null selects nothing (Kubernetes: a nil selector matches no pods). */
  labelSelector: LabelSelector | null;
  /** Empty: the pod's own namespace. */
  namespaces: string[];
  topologyKey: string;
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** null selects nothing. */
  labelSelector: LabelSelector | null;
  /** null: 1 (Kubernetes' default). */
  minDomains: number | null;
}

/**
 * One way to run the pod, with what it takes from a host. Several options come from a priority
 * list in the `gpu-type` / `cpu-type` annotations; the first option that fits anywhere wins.
 */
export interface PlacementOption {
  cpuMilli: number;
  memoryMi: number;
  /** null: any CPU type. */
  cpuType: CpuType | null;
  /** null: no GPU (gpuMilli is 0). */
  gpuModel: GpuModel | null;
  /** GPU in thousandths of a card: 250 = 1/4 card, 500 = 1/2, 1000 × n = n whole cards. */
  gpuMilli: number;
}

/** A pod to place, as the scheduler sees it (derived from the pod spec and annotations). */
export interface SchedulingPod {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** From the PriorityClass (0 without one). Higher is more important. */
  priority: number;
  preemptionPolicy: 'PreemptLowerPriority' | 'Never';
  /** At least one; in priority order. */
  options: PlacementOption[];
  pool: CapacityPool;
  nodeSelector: Record<string, string>;
  /** Required node affinity: terms are ORed; null = no requirement. */
  requiredNodeAffinity: NodeSelectorTerm[] | null;
  preferredNodeAffinity: PreferredSchedulingTerm[];
  tolerations: Toleration[];
  topologySpreadConstraints: TopologySpreadConstraint[];
  requiredPodAffinity: PodAffinityTerm[];
  requiredPodAntiAffinity: PodAffinityTerm[];
  preferredPodAffinity: WeightedPodAffinityTerm[];
  preferredPodAntiAffinity: WeightedPodAffinityTerm[];
  /**
   * The pod's controller (a workload id), or null. Pods without explicit spread constraints get
   * kube-scheduler's system default constraints over the pods with the same owner.
   */
  ownerKey: string | null;
  /** Set by an earlier preemption (status.nominatedNodeName). */
  nominatedHost: string | null;
}

/** A pod already placed (or nominated) on a host, of the cluster being scheduled. */
export interface PlacedPod {
  uid: string;
  namespace: string;
  labels: Record<string, string>;
  priority: number;
  ownerKey: string | null;
  /** What it takes on its host. */
  cpuMilli: number;
  memoryMi: number;
  gpuMilli: number;
  /** Epoch ms; preemption prefers victims that started last. */
  startTime: number;
  /** Required anti-affinity of the placed pod (symmetry: it repels matching incoming pods). */
  requiredPodAntiAffinity: PodAffinityTerm[];
  /** True while the pod is being deleted: it still holds capacity but is not a preemption victim. */
  terminating: boolean;
}

export interface HostResources {
  cpuMilli: number;
  memoryMi: number;
  gpuMilli: number;
  pods: number;
}

export interface HostInfo {
  id: string;
  region: string;
  zone: string;
  /** Includes LABEL_ZONE, LABEL_REGION, LABEL_HOSTNAME (= id), LABEL_INSTANCE_TYPE, LABEL_CPU_TYPE, LABEL_CAPACITY_TYPE, and LABEL_GPU_TYPE on GPU hosts. */
  labels: Record<string, string>;
  taints: Taint[];
  pool: CapacityPool;
  cpuType: CpuType;
  gpuModel: GpuModel | null;
  /**
   * GPU hosts are whole-card (1000) or sliced into vGPUs of one size (250 or 500). A pod
   * asking for a fraction of a card runs only on a host sliced to that size; whole-card pods
   * only on whole-card hosts. 0 on hosts without GPUs.
   */
  gpuSliceMilli: number;
  /** False while reclaimed (spot) or cordoned: NodeUnschedulable rejects it. */
  schedulable: boolean;
  allocatable: HostResources;
  /** Sum over every sandbox on the host, every tenant's. */
  requested: HostResources;
  /** This cluster's pods on the host (a subset of what `requested` counts). */
  pods: PlacedPod[];
}

/** kube-scheduler's Status codes: "does not fit" (Unschedulable*) is not "broke" (Error). */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip' | 'Error';

export interface Status {
  code: StatusCode;
  /** Short reasons as kube-scheduler prints them ("Insufficient cpu", "node(s) didn't match Pod's node affinity/selector"). */
  reasons: string[];
  /** The plugin that returned it. */
  plugin?: string;
}

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';

export type ScoredResource = 'cpu' | 'memory' | 'nvidia.com/gpu';

export interface ScoringStrategy {
  type: ScoringStrategyType;
  /** Weights 1..100. */
  resources: { name: ScoredResource; weight: number }[];
  /** RequestedToCapacityRatio only: (utilization 0..100, score 0..10), utilization ascending. */
  shape?: { utilization: number; score: number }[];
}

export type ScorePluginName =
  | 'NodeResourcesFit'
  | 'NodeResourcesBalancedAllocation'
  | 'TaintToleration'
  | 'NodeAffinity'
  | 'PodTopologySpread'
  | 'InterPodAffinity';

export interface Profile {
  /** Score plugins and their weights (a weight of 0 disables the plugin). */
  scoreWeights: Record<ScorePluginName, number>;
  scoringStrategy: ScoringStrategy;
  /** BalancedAllocation's resources (default cpu and memory, weight 1). */
  balancedResources: { name: ScoredResource; weight: number }[];
  /** null: kube-scheduler's adaptive default (50 − hosts/125, at least 5 %, at least 100 hosts). */
  percentageOfNodesToScore: number | null;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  /**
   * How hosts with the same (highest) total score are chosen. `Random`: kube-scheduler's
   * selectHost (reservoir sampling). `Fullest`: the host with the most CPU and memory already
   * requested (exact shares, which the integer scores truncate), then the first in visit order.
   * Absent: `Random`.
   */
  tieBreak?: 'Random' | 'Fullest';
  /**
   * Where each cycle starts visiting hosts. `RoundRobin`: where the previous cycle stopped
   * (kube-scheduler's, spreading the filtering work). `FromFirst`: always at the first host of
   * the (zone-interleaved) order, so the sample of hosts scored is the same fullest-first window
   * and pods fill the same hosts (packing). Absent: `RoundRobin`.
   */
  hostOrder?: 'RoundRobin' | 'FromFirst';
  /**
   * PodTopologySpread's default constraints (kube-scheduler's PodTopologySpreadArgs
   * `defaultConstraints`, ScheduleAnyway), applied to a pod with no constraints of its own over
   * the pods of its workload. Absent: kube-scheduler's system defaults (hostname maxSkew 3, zone
   * maxSkew 5); [] turns them off.
   */
  defaultSpreadConstraints?: { topologyKey: string; maxSkew: number }[];
}

export type ScheduleResult =
  | {
      kind: 'Scheduled';
      hostId: string;
      zone: string;
      option: PlacementOption;
      /** Hosts the filters ran on, and how many of them were feasible (and scored). */
      evaluated: number;
      feasible: number;
    }
  | {
      kind: 'Unschedulable';
      /** kube-scheduler's FitError message: "0/3000 hosts are available: 2400 Insufficient cpu, 600 node(s) didn't match pod topology spread constraints." */
      message: string;
      /** Reason → number of hosts that gave it. */
      reasons: Record<string, number>;
      /**
       * Set when preemption found a host: evict `victims` (pod uids) there, nominate the pod to it.
       * `option` is the placement option the pod fits there with once the victims are gone (the
       * one to nominate with); `victims` are in kube-scheduler's order, most important first.
       */
      preemption: { hostId: string; victims: string[]; option?: PlacementOption } | null;
    }
  | { kind: 'Error'; message: string };
