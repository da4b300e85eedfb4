import type { Host } from '../../generated/prisma/client';
import { builder, cursorPage, decodeCursor, encodeCursor, requireOperator, UserErrorRef } from '../builder';
import { formatCpuMilli, formatMemoryMi } from '../../core/quantity';
import { reclaimSpotCapacity, restoreSpotCapacity, sumCapacity, zoneCapacity, type Capacity } from '../../app/fleet';
import { hostCount } from '../../core/fleet';

interface Res {
  cpuMilli: number;
  memoryMi: number;
  gpuMilli: number;
  pods: number;
}

const gpuText = (milli: number) => (milli % 1000 === 0 ? String(milli / 1000) : (milli / 1000).toFixed(3).replace(/0+$/, ''));

const ResourcesRef = builder.objectRef<Res>('HostResources').implement({
  description: 'CPU, memory, GPUs and sandboxes (pods).',
  fields: (t) => ({
    cpu: t.string({ description: 'Kubernetes quantity, e.g. "96" or "12500m".', resolve: (r) => formatCpuMilli(r.cpuMilli) }),
    cpuMillicores: t.exposeInt('cpuMilli'),
    memory: t.string({ description: 'Kubernetes quantity, e.g. "384Gi".', resolve: (r) => formatMemoryMi(r.memoryMi) }),
    memoryMi: t.exposeInt('memoryMi'),
    gpu: t.string({ description: 'GPU cards (fractions for vGPU slices), e.g. "4" or "0.25".', resolve: (r) => gpuText(r.gpuMilli) }),
    gpuMilli: t.exposeInt('gpuMilli', { description: 'Thousandths of a card.' }),
    pods: t.exposeInt('pods'),
  }),
});

const pct = (used: number, alloc: number) => (alloc === 0 ? 0 : Math.round((used / alloc) * 10000) / 100);

const UtilisationRef = builder.objectRef<Capacity>('Utilisation').implement({
  description: 'Allocated as a percentage of allocatable (0–100, two decimals).',
  fields: (t) => ({
    cpu: t.float({ resolve: (c) => pct(c.used.cpuMilli, c.alloc.cpuMilli) }),
    memory: t.float({ resolve: (c) => pct(c.used.memoryMi, c.alloc.memoryMi) }),
    gpu: t.float({ resolve: (c) => pct(c.used.gpuMilli, c.alloc.gpuMilli) }),
    pods: t.float({ resolve: (c) => pct(c.used.pods, c.alloc.pods) }),
  }),
});

const CapacityRef = builder.objectRef<Capacity>('FleetCapacity').implement({
  fields: (t) => ({
    hosts: t.exposeInt('hosts'),
    schedulableHosts: t.exposeInt('schedulableHosts'),
    emptyHosts: t.exposeInt('emptyHosts', { description: 'Hosts running no sandbox (whole hosts free for large and GPU pods).' }),
    allocatable: t.field({ type: ResourcesRef, resolve: (c) => c.alloc }),
    allocated: t.field({ type: ResourcesRef, resolve: (c) => c.used }),
    utilisation: t.field({ type: UtilisationRef, resolve: (c) => c }),
  }),
});

const SLICE: Record<number, string> = { 250: '1/4', 500: '1/2', 1000: '1' };

const HostRef = builder.objectRef<Host>('Host').implement({
  description: 'A host of the provider fleet. Each pod runs in its own sandbox on exactly one host.',
  fields: (t) => ({
    id: t.exposeString('id'),
    zone: t.exposeString('zone'),
    hostGroup: t.exposeString('hostGroup'),
    cpuType: t.exposeString('cpuType'),
    pool: t.exposeString('pool', { description: 'regular or spot.' }),
    gpuModel: t.exposeString('gpuModel', { nullable: true }),
    gpuSlice: t.string({ nullable: true, description: 'vGPU slice size ("1/4", "1/2") or "1" for whole cards.', resolve: (h) => SLICE[h.gpuSliceMilli] ?? null }),
    labels: t.field({ type: 'JSON', resolve: (h) => h.labels }),
    taints: t.field({ type: 'JSON', resolve: (h) => h.taints }),
    schedulable: t.exposeBoolean('schedulable'),
    reclaimedAt: t.field({ type: 'DateTime', nullable: true, resolve: (h) => h.reclaimedAt }),
    allocatable: t.field({ type: ResourcesRef, resolve: (h) => ({ cpuMilli: h.allocCpuMilli, memoryMi: h.allocMemoryMi, gpuMilli: h.allocGpuMilli, pods: h.allocPods }) }),
    allocated: t.field({ type: ResourcesRef, resolve: (h) => ({ cpuMilli: h.usedCpuMilli, memoryMi: h.usedMemoryMi, gpuMilli: h.usedGpuMilli, pods: h.usedPods }) }),
  }),
});

interface ZoneView {
  region: string;
  name: string;
  capacity: Capacity;
}

const ZoneViewRef = builder.objectRef<ZoneView>('FleetZone').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    region: t.exposeString('region'),
    totals: t.field({ type: CapacityRef, resolve: (z) => z.capacity }),
    hosts: t.connection({
      type: HostRef,
      description: 'Hosts of the zone by id (pages of at most 1,000).',
      args: {
        pool: t.arg.string({ required: false, description: 'regular or spot.' }),
        hostGroup: t.arg.string({ required: false }),
        onlyUsed: t.arg.boolean({ required: false, description: 'Only hosts running at least one sandbox.' }),
      },
      resolve: (z, args, ctx) =>
        cursorPage(args, (h: Host) => encodeCursor(h.id), ({ after, before, limit, inverted }) => {
          const a = decodeCursor(after, (v): v is string => typeof v === 'string');
          const b = decodeCursor(before, (v): v is string => typeof v === 'string');
          return ctx.svc.db.host.findMany({
            where: {
              zone: z.name,
              inFleet: true,
              ...(args.pool ? { pool: args.pool } : {}),
              ...(args.hostGroup ? { hostGroup: args.hostGroup } : {}),
              ...(args.onlyUsed ? { usedPods: { gt: 0 } } : {}),
              id: { ...(a !== undefined ? { gt: a } : {}), ...(b !== undefined ? { lt: b } : {}) },
            },
            orderBy: { id: inverted ? 'desc' : 'asc' },
            take: limit,
          });
        }),
    }),
  }),
});

interface RegionView {
  name: string;
  zones: ZoneView[];
}

const RegionViewRef = builder.objectRef<RegionView>('FleetRegion').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    zones: t.field({ type: [ZoneViewRef], resolve: (r) => r.zones }),
    totals: t.field({ type: CapacityRef, resolve: (r) => sumCapacity(r.zones.map((z) => z.capacity)) }),
  }),
});

interface FleetView {
  regions: RegionView[];
}

const FleetRef = builder.objectRef<FleetView>('Fleet').implement({
  description: 'The provider fleet (operators only): capacity, allocation and utilisation per region, zone and host.',
  fields: (t) => ({
    regions: t.field({ type: [RegionViewRef], resolve: (f) => f.regions }),
    zones: t.field({ type: [ZoneViewRef], resolve: (f) => f.regions.flatMap((r) => r.zones) }),
    totals: t.field({ type: CapacityRef, resolve: (f) => sumCapacity(f.regions.flatMap((r) => r.zones.map((z) => z.capacity))) }),
  }),
});

const empty = (hosts: number): Capacity => ({ hosts, schedulableHosts: 0, emptyHosts: 0, alloc: { cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 }, used: { cpuMilli: 0, memoryMi: 0, gpuMilli: 0, pods: 0 } });

builder.queryField('fleet', (t) =>
  t.field({
    type: FleetRef,
    description: 'The provider fleet, read-only. Operators only (the operator token).',
    resolve: async (_, __, ctx) => {
      requireOperator(ctx);
      const caps = await zoneCapacity(ctx.svc);
      return {
        regions: ctx.svc.fleet.regions.map((r) => ({
          name: r.name,
          zones: r.zones.map((z) => ({ region: r.name, name: z.name, capacity: caps.get(z.name) ?? empty(hostCount(z)) })),
        })),
      };
    },
  }),
);

const ReclaimPayload = builder.objectRef<Awaited<ReturnType<typeof reclaimSpotCapacity>>>('ReclaimSpotCapacityPayload').implement({
  fields: (t) => ({
    hosts: t.exposeStringList('hosts', { description: 'The spot hosts taken back.' }),
    interruptedPods: t.exposeInt('interruptedPods'),
    userErrors: t.field({ type: [UserErrorRef], resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('reclaimSpotCapacity', (t) =>
  t.field({
    type: ReclaimPayload,
    description: 'Operators: the provider takes back `count` spot hosts of a zone. Their pods get SpotPodInterruption and are recreated elsewhere by their controllers.',
    args: { zone: t.arg.string({ required: true }), count: t.arg.int({ required: true }) },
    resolve: (_, args, ctx) => {
      requireOperator(ctx);
      return reclaimSpotCapacity(ctx.svc, { zone: args.zone, count: args.count });
    },
  }),
);

builder.mutationField('restoreSpotCapacity', (t) =>
  t.field({
    type: 'Int',
    description: 'Operators: reclaimed spot hosts of a zone become schedulable again. Returns how many.',
    args: { zone: t.arg.string({ required: true }) },
    resolve: async (_, args, ctx) => {
      requireOperator(ctx);
      return (await restoreSpotCapacity(ctx.svc, { zone: args.zone })).hosts;
    },
  }),
);
