/**
 * The pure scheduling core of Nodeless: kube-scheduler's framework (filters, scores, sampling,
 * preemption, FitError messages) over a provider-owned fleet. See framework.ts for the pipeline,
 * snapshot.ts for the state a scheduling pass works on.
 */
export * from './types';
export { defaultProfile, kubeSchedulerProfile, validateProfile } from './profile';
export { Snapshot, assume, forget, nominate, nominatePlaced } from './snapshot';
export { numFeasibleNodesToFind } from './framework';
export { scheduleOne } from './scheduleOne';
export { backoffMs, comparePods, type QueuedPodKey } from './queue';
export { firstFit } from './firstfit';
export { fitErrorMessage } from './diagnosis';
export {
  leastAllocatedScore,
  mostAllocatedScore,
  requestedToCapacityRatioScore,
} from './plugins/noderesourcesfit';
export { balancedAllocationScore } from './plugins/balancedallocation';
