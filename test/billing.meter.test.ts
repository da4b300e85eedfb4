import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { RedisWorkQueue } from '../src/adapters/redis/workqueue';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { finalizeDueInvoices, invoiceLines, meterCluster, regionCurrency, type InvoiceView } from '../src/app/billing';
import type { Services } from '../src/app/services';
import { keys } from '../src/app/topics';
import { DEFAULT_PRICES } from '../src/core/billing/catalog';
import { billedSeconds } from '../src/core/billing/meter';
import { amountMicro } from '../src/core/billing/money';
import { monthKey } from '../src/core/billing/months';
import type { InvoiceLine, PriceItems, Resource } from '../src/core/billing/types';
import { buildRuntime, type Runtime } from '../src/main/compose';
import { killAll, startService, type ServiceProcess } from './support/processes';
import { eventually, hasPostgres, hasRedis, servicesRequired, testConfig, testStore } from './support/stack';
import { mulberry32 } from '../src/core/random';

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REGION = 'ap-guangzhou';
/** The month boundary the property test's window spans. */
const MONTH_END = Date.UTC(2026, 11, 1);
const W0 = Date.UTC(2026, 10, 29, 12);
const W1 = Date.UTC(2026, 11, 2, 12);
const GRACE = 3_600_000;

// ---------------------------------------------------------------- seeded randomness

interface Rng {
  (): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  uuid(): string;
}

function rng(seed: number): Rng {
  const next = mulberry32(seed);
  const r = (() => next()) as Rng;
  r.int = (n) => Math.floor(next() * n);
  r.pick = (xs) => xs[r.int(xs.length)];
  r.chance = (p) => next() < p;
  r.uuid = () => {
    const hex = Array.from({ length: 32 }, () => r.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  return r;
}

// ---------------------------------------------------------------- ledger rows

const NAMESPACES = ['default', 'prod', 'batch'] as const;
const WORKLOADS: readonly [string | null, string | null][] = [
  [null, null],
  ['Deployment', 'web'],
  ['Deployment', 'api'],
  ['StatefulSet', 'db'],
  ['Job', 'etl'],
  ['CronJob', 'report'],
];

interface Pod {
  podUid: string;
  podName: string;
  namespace: string;
  workloadKind: string | null;
  workloadName: string | null;
  cpuMilli: number;
  memoryMi: number;
  cpuType: 'intel' | 'amd';
  spot: boolean;
  from: number;
  until: number;
}

function randomPod(r: Rng, from: number, lifetime: number): Pod {
  const [workloadKind, workloadName] = r.pick(WORKLOADS);
  return {
    podUid: r.uuid(),
    podName: `${workloadName ?? 'bare'}-${r.int(1e6).toString(36)}`,
    namespace: r.pick(NAMESPACES),
    workloadKind,
    workloadName,
    cpuMilli: r.pick([250, 500, 1000, 2000, 4000]),
    memoryMi: r.pick([512, 1024, 2048, 4096, 8192]),
    cpuType: r.pick(['intel', 'amd'] as const),
    spot: r.chance(0.25),
    from,
    until: from + lifetime,
  };
}

/** 1 ms to 2 days, log-uniform, with whole seconds and sub-second lifetimes well represented. */
function randomLifetime(r: Rng): number {
  const u = r();
  if (u < 0.1) return 1 + r.int(999);
  if (u < 0.25) return SECOND * (1 + r.int(4 * 3600));
  return Math.max(1, Math.floor(Math.exp(r() * Math.log(2 * DAY))));
}

/** A start in [lo, hi) with ms precision, sometimes on or just around an hour or the month boundary. */
function randomFrom(r: Rng, lo: number, hi: number): number {
  const t = lo + r.int(hi - lo);
  const u = r();
  if (u < 0.05) return MONTH_END + r.pick([-1000, -999, -1, 0, 1, 999]);
  if (u < 0.2) return Math.floor(t / HOUR) * HOUR + r.pick([-1000, -999, -1, 0, 1, 500]);
  if (u < 0.3) return Math.floor(t / SECOND) * SECOND;
  return t;
}

function ledgerRow(p: Pod, c: { accountId: string; clusterId: string; clusterName: string }, until: number | null) {
  return {
    podUid: p.podUid,
    accountId: c.accountId,
    clusterId: c.clusterId,
    clusterName: c.clusterName,
    region: REGION,
    currency: 'CNY',
    namespace: p.namespace,
    podName: p.podName,
    workloadKind: p.workloadKind,
    workloadName: p.workloadName,
    cpuMilli: p.cpuMilli,
    memoryMi: p.memoryMi,
    cpuType: p.cpuType,
    gpuModel: null,
    gpuMilli: 0,
    spot: p.spot,
    from: new Date(p.from),
    until: until === null ? null : new Date(until),
  };
}

// ---------------------------------------------------------------- the oracle

/**
 * Second by second: billed second k starts at from + 1000k (k < ceil((until − from) / 1000), i.e.
 * while its start is before until) and counts in the UTC hour its start falls in.
 */
function secondsByHour(from: number, until: number): Map<number, number> {
  const out = new Map<number, number>();
  let hour = NaN;
  let n = 0;
  for (let start = from; start < until; start += SECOND) {
    const h = start - (((start % HOUR) + HOUR) % HOUR);
    if (h !== hour) {
      if (n > 0) out.set(hour, n);
      hour = h;
      n = 0;
    }
    n++;
  }
  if (n > 0) out.set(hour, n);
  return out;
}

interface Version {
  effectiveFrom: number;
  items: PriceItems;
}

function versionIn(versions: Version[], at: number): Version {
  let best: Version | null = null;
  for (const v of versions) if (v.effectiveFrom <= at && (!best || v.effectiveFrom > best.effectiveFrom)) best = v;
  return best!;
}

const keyOf = (clusterId: string, p: Pick<Pod, 'namespace' | 'workloadKind' | 'workloadName' | 'spot'>, resource: Resource, kind: string, unitPriceNano: number, rateBp: number) =>
  JSON.stringify([clusterId, p.namespace, p.workloadKind, p.workloadName, resource, kind, p.spot, unitPriceNano, rateBp]);
const lineKeyOf = (l: InvoiceLine) => keyOf(l.clusterId, l, l.resource, l.kind, l.unitPriceNano, l.rateBp);

/** Exact quantities by month and line key: every billed second priced by the version in force at the start of its hour. */
function oracleQuantities(clusterId: string, pods: Pod[], versions: Version[]): Map<string, Map<string, bigint>> {
  const months = new Map<string, Map<string, bigint>>();
  for (const p of pods) {
    for (const [hour, seconds] of secondsByHour(p.from, p.until)) {
      const { items } = versionIn(versions, hour);
      let rateBp = p.spot ? items.spotRateBp : 10_000;
      for (const d of items.discounts) if (d.cpuType === p.cpuType && d.cpuMilli === p.cpuMilli && d.memoryMi === p.memoryMi) rateBp = Math.min(rateBp, d.rateBp);
      const month = monthKey(hour);
      const lines = months.get(month) ?? new Map<string, bigint>();
      months.set(month, lines);
      const add = (resource: Resource, price: number, perSecond: number) => {
        const k = keyOf(clusterId, p, resource, p.cpuType, price, rateBp);
        lines.set(k, (lines.get(k) ?? 0n) + BigInt(seconds) * BigInt(perSecond));
      };
      add('cpu', items.cpu[p.cpuType], p.cpuMilli);
      add('memory', items.memory[p.cpuType], p.memoryMi);
    }
  }
  return months;
}

/** Lines as comparable strings: key, quantity, amount (each rounded once, from its exact quantity). */
const oracleLines = (quantities: Map<string, bigint>): string[] =>
  [...quantities].map(([k, q]) => {
    const [, , , , resource, , , price, rateBp] = JSON.parse(k) as [string, string, string, string, Resource, string, boolean, number, number];
    return `${k} ${q} ${amountMicro(q, price, rateBp, resource)}`;
  }).sort();
const productLines = (lines: InvoiceLine[]): string[] => lines.map((l) => `${lineKeyOf(l)} ${l.quantity} ${l.amountMicro}`).sort();

function addQuantities(into: Map<string, bigint>, lines: InvoiceLine[]) {
  for (const l of lines) into.set(lineKeyOf(l), (into.get(lineKeyOf(l)) ?? 0n) + l.quantity);
}
const nonZero = (m: Map<string, bigint>) => [...m].filter(([, q]) => q !== 0n).map(([k, q]) => `${k} ${q}`).sort();

function randomItems(r: Rng): PriceItems {
  const d = DEFAULT_PRICES.CNY;
  const price = (def: number, lo: number, hi: number) => (r.chance(0.3) ? def : lo + r.int(hi - lo));
  return {
    cpu: { intel: price(d.cpu.intel, 10_000, 60_000), amd: price(d.cpu.amd, 5_000, 30_000) },
    memory: { intel: price(d.memory.intel, 5_000, 25_000), amd: price(d.memory.amd, 3_000, 15_000) },
    gpu: structuredClone(d.gpu) as PriceItems['gpu'],
    spotRateBp: r.pick([1000, 2000, 3500]),
    discounts: r.chance(0.4) ? [{ cpuType: 'intel', cpuMilli: 2000, memoryMi: 4096, rateBp: r.pick([1500, 8000]) }] : [],
  };
}

// ---------------------------------------------------------------- shared set-up

/** Per pod, its buckets' seconds by hour (zeroed buckets left out). */
async function bucketsOf(svc: Services, clusterId: string): Promise<Map<string, Map<number, number>>> {
  const rows = await svc.db.usageRecord.findMany({ where: { clusterId }, select: { podUid: true, hour: true, seconds: true } });
  const out = new Map<string, Map<number, number>>();
  for (const r of rows) {
    if (r.seconds === 0) continue;
    const m = out.get(r.podUid) ?? new Map<number, number>();
    m.set(r.hour.getTime(), r.seconds);
    out.set(r.podUid, m);
  }
  return out;
}

/** ClusterCost by month, and Σ UsageRecord.costNano of the cluster's buckets by month. */
async function costs(svc: Services, clusterId: string): Promise<{ clusterCost: Record<string, bigint>; buckets: Record<string, bigint> }> {
  const clusterCost: Record<string, bigint> = {};
  for (const c of await svc.db.clusterCost.findMany({ where: { clusterId } })) clusterCost[c.month] = c.costNano;
  const buckets: Record<string, bigint> = {};
  for (const u of await svc.db.usageRecord.findMany({ where: { clusterId }, select: { hour: true, costNano: true } })) {
    const m = monthKey(u.hour.getTime());
    buckets[m] = (buckets[m] ?? 0n) + u.costNano;
  }
  for (const m of Object.keys(clusterCost)) if (clusterCost[m] === 0n && !(m in buckets)) delete clusterCost[m];
  return { clusterCost, buckets };
}

describe('the meter records every second exactly once', () => {
  const clock = new ManualClock(W0);
  let store: Store;
  let rt: Runtime;
  let svc: Services;

  beforeAll(async () => {
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, clock, bus: new MemoryBus(), queue: new MemoryWorkQueue(clock) });
    svc = rt.svc;
    expect(regionCurrency(svc, REGION)).toBe('CNY');
  });
  afterAll(async () => {
    await rt?.close();
    await store?.close();
  });

  async function newCluster(name: string): Promise<{ accountId: string; clusterId: string; clusterName: string }> {
    const accountId = (await createAccount(svc, { name })).account!.id;
    const cluster = (await createCluster(svc, accountId, { name, region: REGION })).cluster!;
    return { accountId, clusterId: cluster.id, clusterName: cluster.name };
  }

  it('bills every second of randomly started, ended (some ends recorded late) and concurrently metered pods once, in its hour, month and price version, and invoices match an independent second-by-second oracle', async () => {
    const coverage = { concurrentMeters: 0, lateEnds: 0, lateInserts: 0, midFinalized: 0, adjustedMonths: 0, exactMonths: 0, versions: 0 };
    for (let round = 0; round < 20; round++) {
      const seed = 0x5eed0000 + round;
      const r = rng(seed);
      const ctx = `round ${round} (seed ${seed.toString(16)})`;
      clock.set(W0 - HOUR);
      const c = await newCluster(`meter-${round}`);
      const { clusterId } = c;

      // price versions taking effect at whole hours inside the window (inserted directly: publishPrices refuses the past on purpose)
      const versions: Version[] = [{ effectiveFrom: 0, items: DEFAULT_PRICES.CNY as PriceItems }];
      const hours = new Set<number>();
      for (let i = r.int(3); i > 0; i--) hours.add(Math.floor((W0 + r.int(W1 - W0)) / HOUR) * HOUR);
      for (const effectiveFrom of hours) {
        const items = randomItems(r);
        versions.push({ effectiveFrom, items });
        await svc.db.priceVersion.create({ data: { id: r.uuid(), region: REGION, currency: 'CNY', effectiveFrom: new Date(effectiveFrom), items: items as object } });
      }
      coverage.versions += hours.size;

      // pods: when the pod loop records its row (insertAt ≥ from) and its end (endAt ≥ until)
      const pods = Array.from({ length: 30 + r.int(31) }, () => {
        const p = randomPod(r, randomFrom(r, W0, W1), randomLifetime(r));
        const insertAt = p.from + (r.chance(0.25) ? r.int(12 * HOUR) : 0);
        const endAt = Math.max(insertAt, p.until + (r.chance(0.5) ? r.int(12 * HOUR) : 0));
        return { pod: p, insertAt, endAt, inserted: false, ended: false };
      });

      const instants = [...new Set(Array.from({ length: 4 + r.int(6) }, () => W0 + r.int(W1 + DAY - W0)))].sort((a, b) => a - b);
      const midFinalize = r.chance(0.6);
      let finalizedMidDrive = false;
      for (const now of instants) {
        clock.set(now);
        const inserting = pods.filter((x) => !x.inserted && x.insertAt <= now);
        if (inserting.length > 0) {
          await svc.db.billablePod.createMany({ data: inserting.map((x) => ledgerRow(x.pod, c, x.endAt <= now ? x.pod.until : null)) });
          for (const x of inserting) {
            x.inserted = true;
            x.ended = x.endAt <= now;
            if (x.insertAt > x.pod.from + HOUR) coverage.lateInserts++;
          }
        }
        const ending = pods.filter((x) => x.inserted && !x.ended && x.endAt <= now && r.chance(0.7));
        const metered = await svc.db.billablePod.findMany({ where: { podUid: { in: ending.map((x) => x.pod.podUid) } }, select: { podUid: true, meteredUntil: true } });
        coverage.lateEnds += metered.filter((m) => m.meteredUntil && m.meteredUntil.getTime() > pods.find((x) => x.pod.podUid === m.podUid)!.pod.until).length;
        const end = async () => {
          // as the pod loop records an end: once, the first until stays
          for (const x of ending) await svc.db.billablePod.updateMany({ where: { podUid: x.pod.podUid, until: null }, data: { until: new Date(x.pod.until) } });
          for (const x of ending) x.ended = true;
        };
        const how = r();
        if (how < 0.3) {
          await end();
          await Promise.all([meterCluster(svc, clusterId), meterCluster(svc, clusterId)]);
          coverage.concurrentMeters++;
        } else if (how < 0.5) {
          // ends recorded while a pass runs
          await Promise.all([meterCluster(svc, clusterId), end()]);
        } else {
          await end();
          await meterCluster(svc, clusterId);
        }
        if (midFinalize && now >= MONTH_END + GRACE) {
          const [n] = await Promise.all([finalizeDueInvoices(svc), r.chance(0.5) ? meterCluster(svc, clusterId) : null]);
          if (n > 0) finalizedMidDrive = true;
        }
      }

      // every end recorded, the last rows inserted; past the last month's end and the grace period
      const lastUntil = Math.max(...pods.map((x) => x.pod.until));
      clock.set(Date.UTC(new Date(lastUntil).getUTCFullYear(), new Date(lastUntil).getUTCMonth() + 1) + GRACE + 60_000);
      const rest = pods.filter((x) => !x.inserted);
      if (rest.length > 0) await svc.db.billablePod.createMany({ data: rest.map((x) => ledgerRow(x.pod, c, x.pod.until)) });
      for (const x of pods.filter((y) => y.inserted && !y.ended)) await svc.db.billablePod.update({ where: { podUid: x.pod.podUid }, data: { until: new Date(x.pod.until) } });
      await meterCluster(svc, clusterId);
      await finalizeDueInvoices(svc);
      if (finalizedMidDrive) coverage.midFinalized++;

      // (a) every pod: Σ seconds = billedSeconds(from, until), each second in the hour it started in
      const buckets = await bucketsOf(svc, clusterId);
      const ledger = await svc.db.billablePod.findMany({ where: { clusterId } });
      expect(ledger.filter((l) => !l.settled).map((l) => l.podUid), `${ctx}: unsettled rows`).toEqual([]);
      for (const { pod } of pods) {
        const got = buckets.get(pod.podUid) ?? new Map<number, number>();
        const sum = [...got.values()].reduce((s, v) => s + v, 0);
        expect(sum, `${ctx}: pod ${pod.podUid} from ${new Date(pod.from).toISOString()} until ${new Date(pod.until).toISOString()}`).toBe(billedSeconds(pod.from, pod.until));
        expect(Object.fromEntries(got), `${ctx}: pod ${pod.podUid} by hour`).toEqual(Object.fromEntries(secondsByHour(pod.from, pod.until)));
      }
      const cost = await costs(svc, clusterId);
      expect(cost.clusterCost, `${ctx}: ClusterCost = Σ bucket costs by month`).toEqual(cost.buckets);

      // (b) invoice totals; (c) own-month lines = the oracle; (d) own lines + later adjustments = the oracle's quantities
      const invoices = (await svc.db.invoice.findMany({ where: { accountId: c.accountId }, orderBy: { month: 'asc' } })) as InvoiceView[];
      const oracle = oracleQuantities(clusterId, pods.map((x) => x.pod), versions);
      const linesOf = new Map<string, InvoiceLine[]>();
      for (const inv of invoices) {
        if (inv.status === 'DRAFT') {
          expect(inv.month > monthKey(MONTH_END), `${ctx}: ${inv.month} still a draft`).toBe(true);
          continue;
        }
        const lines = await invoiceLines(svc, inv);
        linesOf.set(inv.month, lines);
        expect(inv.totalMicro, `${ctx}: invoice ${inv.month} total`).toBe(lines.reduce((s, l) => s + l.amountMicro, 0n));
      }
      for (const [month, quantities] of oracle) {
        const own = (linesOf.get(month) ?? []).filter((l) => l.adjustmentFor === null);
        const adjustments = [...linesOf.values()].flat().filter((l) => l.adjustmentFor === month);
        const total = new Map<string, bigint>();
        addQuantities(total, own);
        addQuantities(total, adjustments);
        expect(nonZero(total), `${ctx}: ${month} quantities (own lines + adjustments)`).toEqual(nonZero(quantities));
        if (adjustments.length > 0) coverage.adjustedMonths++;
        else {
          expect(productLines(own), `${ctx}: ${month} lines`).toEqual(oracleLines(quantities));
          coverage.exactMonths++;
        }
      }
      for (const [month, lines] of linesOf) {
        expect(lines.filter((l) => l.adjustmentFor === null).length === 0 || oracle.has(month), `${ctx}: unexpected lines in ${month}`).toBe(true);
      }
      // versions are the region's: the next round brings its own
      await svc.db.priceVersion.deleteMany({ where: { region: REGION } });
    }
    // the rounds exercised what they are meant to
    const covered = JSON.stringify(coverage);
    expect(coverage.concurrentMeters, covered).toBeGreaterThan(10);
    expect(coverage.lateEnds, covered).toBeGreaterThan(20);
    expect(coverage.lateInserts, covered).toBeGreaterThan(20);
    expect(coverage.midFinalized, covered).toBeGreaterThan(3);
    expect(coverage.adjustedMonths, covered).toBeGreaterThan(2);
    expect(coverage.exactMonths, covered).toBeGreaterThan(20);
    expect(coverage.versions, covered).toBeGreaterThan(10);
  });

  // ---------------------------------------------------------------- crash injection

  class InjectedCrash extends Error {}

  /** svc whose transactions fail at their n-th $executeRawUnsafe (the statement is not sent). */
  function crashingAt(n: number): { svc: Services; calls: () => number } {
    let calls = 0;
    const passThrough = <T extends object>(target: T, prop: string | symbol) => {
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    };
    const wrapTx = <T extends object>(tx: T): T =>
      new Proxy(tx, {
        get(target, prop) {
          if (prop !== '$executeRawUnsafe') return passThrough(target, prop);
          return (...args: unknown[]) => {
            calls++;
            if (calls === n) return Promise.reject(new InjectedCrash(`injected crash at $executeRawUnsafe #${n}`));
            return (target as unknown as { $executeRawUnsafe: (...a: unknown[]) => Promise<number> }).$executeRawUnsafe(...args);
          };
        },
      });
    const db = new Proxy(svc.db, {
      get(target, prop) {
        if (prop !== '$transaction') return passThrough(target, prop);
        return (fn: (tx: object) => Promise<unknown>, opts?: object) => (target.$transaction as (f: (tx: object) => Promise<unknown>, o?: object) => Promise<unknown>)((tx) => fn(wrapTx(tx)), opts);
      },
    });
    return { svc: { ...svc, db }, calls: () => calls };
  }

  it.each([
    [1, 'the bucket upsert'],
    [2, 'the ledger update'],
    [3, 'the ClusterCost upsert'],
    [4, 'ensureDrafts'],
  ] as const)('a pass that crashes at its statement %i ($executeRawUnsafe: %s) changes nothing, and a clean pass afterwards bills every second once', async (n, statement) => {
    const r = rng(0xc4a5 + n);
    const T1 = Date.UTC(2026, 10, 30, 22, 0, 0, 417);
    const T2 = Date.UTC(2026, 11, 1, 3, 30, 0, 93);
    clock.set(T1);
    const c = await newCluster(`crash-${n}`);
    const { clusterId } = c;
    // before T1: ended rows, running rows (some will have an end recorded late), all metered at T1
    const early = Array.from({ length: 16 }, () => randomPod(r, T1 - DAY + r.int(DAY - HOUR), HOUR + r.int(DAY)));
    const ended = early.slice(0, 5).map((p) => ({ ...p, until: Math.min(p.until, T1 - 1) }));
    const running = early.slice(5);
    await svc.db.billablePod.createMany({ data: [...ended.map((p) => ledgerRow(p, c, p.until)), ...running.map((p) => ledgerRow(p, c, null))] });
    await meterCluster(svc, clusterId);
    // by T2: late ends (until before the T1 pass), ends after T1, and new rows (open and closed)
    clock.set(T2);
    const lateEnded = running.slice(0, 4).map((p) => ({ ...p, until: T1 - 1 - r.int(HOUR) }));
    const endedAfter = running.slice(4, 7).map((p) => ({ ...p, until: T1 + 1 + r.int(T2 - T1 - 1) }));
    const stillRunning = running.slice(7);
    for (const p of [...lateEnded, ...endedAfter]) await svc.db.billablePod.update({ where: { podUid: p.podUid }, data: { until: new Date(p.until) } });
    const fresh = Array.from({ length: 6 }, () => randomPod(r, T1 + r.int(T2 - T1 - SECOND), HOUR + r.int(DAY)));
    const freshEnded = fresh.slice(0, 3).map((p) => ({ ...p, until: Math.min(p.until, T2) }));
    const freshRunning = fresh.slice(3);
    await svc.db.billablePod.createMany({ data: [...freshEnded.map((p) => ledgerRow(p, c, p.until)), ...freshRunning.map((p) => ledgerRow(p, c, null))] });

    const snapshot = async () => ({
      buckets: await svc.db.usageRecord.findMany({ where: { clusterId }, orderBy: [{ podUid: 'asc' }, { hour: 'asc' }] }),
      ledger: await svc.db.billablePod.findMany({ where: { clusterId }, orderBy: { podUid: 'asc' }, select: { podUid: true, until: true, meteredUntil: true, settled: true } }),
      clusterCost: await svc.db.clusterCost.findMany({ where: { clusterId }, orderBy: { month: 'asc' }, select: { month: true, costNano: true, updatedAt: true } }),
      invoices: await svc.db.invoice.findMany({ where: { accountId: c.accountId }, orderBy: { month: 'asc' } }),
    });
    const before = await snapshot();
    expect(before.invoices.map((i) => i.month)).toEqual(['2026-11']);
    const crashing = crashingAt(n);
    await expect(meterCluster(crashing.svc, clusterId)).rejects.toThrow(`injected crash at $executeRawUnsafe #${n}`);
    expect(crashing.calls()).toBe(n);
    expect(await snapshot(), `after a crash at ${statement}`).toEqual(before);

    // a clean pass: every pod billed up to its end, or up to now while it runs
    await meterCluster(svc, clusterId);
    const expectBilled = async (pods: Pod[], upTo: (p: Pod) => number) => {
      const buckets = await bucketsOf(svc, clusterId);
      for (const p of pods) {
        const got = [...(buckets.get(p.podUid)?.values() ?? [])].reduce((s, v) => s + v, 0);
        expect(got, `pod ${p.podUid}`).toBe(billedSeconds(p.from, upTo(p)));
        expect(Object.fromEntries(buckets.get(p.podUid) ?? []), `pod ${p.podUid} by hour`).toEqual(Object.fromEntries(secondsByHour(p.from, upTo(p))));
      }
      const cost = await costs(svc, clusterId);
      expect(cost.clusterCost).toEqual(cost.buckets);
    };
    await expectBilled([...ended, ...lateEnded, ...endedAfter, ...freshEnded], (p) => p.until);
    await expectBilled([...stillRunning, ...freshRunning], () => T2);
    expect((await svc.db.invoice.findMany({ where: { accountId: c.accountId }, orderBy: { month: 'asc' } })).map((i) => i.month)).toEqual(['2026-11', '2026-12']);

    // every end recorded: every pod billed exactly, every row settled
    clock.set(T2 + 3 * HOUR);
    const closed = [...stillRunning, ...freshRunning].map((p) => ({ ...p, until: Math.min(p.until, T2 + 2 * HOUR) }));
    for (const p of closed) await svc.db.billablePod.update({ where: { podUid: p.podUid }, data: { until: new Date(p.until) } });
    await meterCluster(svc, clusterId);
    await expectBilled([...ended, ...lateEnded, ...endedAfter, ...freshEnded, ...closed], (p) => p.until);
    expect(await svc.db.billablePod.count({ where: { clusterId, settled: false } })).toBe(0);
  });
});

// ---------------------------------------------------------------- killed worker processes

/**
 * Real worker processes on the shared PostgreSQL and Redis, SIGKILLed while they meter. Skipped
 * without the services, unless NODELESS_REQUIRE_SERVICES=1 (then their absence fails here).
 */
describe.skipIf(!(hasPostgres && hasRedis) && !servicesRequired)('the meter when worker processes are killed mid-pass (PostgreSQL + Redis)', () => {
  const queueName = `t_meter_${randomBytes(5).toString('hex')}`;
  const REDIS_URL = process.env.REDIS_URL ?? '';
  let store: Store & { databaseUrl?: string };
  let rt: Runtime;
  let queue: RedisWorkQueue;
  /** The queue seen a lease length later: reclaims what a killed worker held (as its expiry would). */
  let later: RedisWorkQueue;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    if (!hasPostgres || !hasRedis) throw new Error('NODELESS_REQUIRE_SERVICES=1 but DATABASE_URL or REDIS_URL is not set');
    store = await testStore();
    rt = await buildRuntime(testConfig(), { store, bus: new MemoryBus(), queue: new MemoryWorkQueue(systemClock) });
    queue = await RedisWorkQueue.connect(REDIS_URL, { name: queueName });
    later = await RedisWorkQueue.connect(REDIS_URL, { name: queueName, clock: { now: () => Date.now() + 11_000, setTimeout: systemClock.setTimeout } });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await killAll();
    await queue?.clear();
    await queue?.close();
    await later?.close();
    await rt?.close();
    await store?.close();
    if (!REDIS_URL) return;
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const leftover = [...(await redis.keys(`nodeless:wq:${queueName}:*`)), ...(await redis.keys(`nodeless:${queueName}:*`))];
      if (leftover.length > 0) await redis.del(leftover);
    } finally {
      await redis.close();
    }
  });

  it('bills every second of 5,000 closed pods exactly once although five workers were SIGKILLed while metering', async () => {
    const svc = rt.svc;
    const r = rng(0x6b111);
    const accountId = (await createAccount(svc, { name: 'killed' })).account!.id;
    const cluster = (await createCluster(svc, accountId, { name: 'killed', region: REGION })).cluster!;
    const c = { accountId, clusterId: cluster.id, clusterName: cluster.name };
    const now = Date.now();
    const pods = Array.from({ length: 5000 }, () => randomPod(r, now - 2 * DAY + r.int(DAY), 3 * HOUR + r.int(5 * HOUR)));
    for (let i = 0; i < pods.length; i += 1000) await svc.db.billablePod.createMany({ data: pods.slice(i, i + 1000).map((p) => ledgerRow(p, c, p.until)) });
    const expectedBuckets = pods.reduce((s, p) => s + secondsByHour(p.from, p.until).size, 0);
    expect(expectedBuckets).toBeGreaterThanOrEqual(20_000);

    const env = {
      DATABASE_URL: store.databaseUrl!,
      REDIS_URL,
      NODELESS_QUEUE_NAME: queueName,
      NODELESS_RESYNC_MS: '0',
      NODELESS_CLUSTER_PROVISION_MS: '0',
      NODELESS_BOOT_MS: '0',
      NODELESS_STOP_MS: '0',
      NODELESS_DATA_DIR: undefined,
    };
    const meterKey = keys.meter(c.clusterId);
    await queue.add(meterKey);
    const progress: string[] = [];
    const state = async () => ({
      settled: await svc.db.billablePod.count({ where: { clusterId: c.clusterId, settled: true } }),
      buckets: await svc.db.usageRecord.count({ where: { clusterId: c.clusterId } }),
    });
    for (let i = 1; i <= 5; i++) {
      const w = startService('worker', env, `worker${i}`);
      workers.push(w);
      await w.waitForLine(/^nodeless worker running/);
      const delay = 50 + r.int(351);
      // fault injection: when the kill lands is the point, nothing waits on it
      await new Promise((resolve) => setTimeout(resolve, delay));
      await w.kill();
      const s = await state();
      progress.push(`worker${i} SIGKILLed ${delay} ms after it reported running: ${s.settled} rows settled, ${s.buckets} buckets`);
      // the killed worker's lease: reclaimed as its expiry would, and the meter asked for again
      await later.reclaimExpired();
      await queue.add(meterKey);
    }
    const last = startService('worker', env, 'worker6');
    workers.push(last);
    await eventually(async () => (await svc.db.billablePod.count({ where: { clusterId: c.clusterId, settled: false } })) === 0, `every ledger row settled (${progress.join('; ')})`, 45_000);
    await last.stop();

    const sums = await svc.db.usageRecord.groupBy({ by: ['podUid'], where: { clusterId: c.clusterId }, _sum: { seconds: true } });
    const got = new Map(sums.map((s) => [s.podUid, s._sum.seconds ?? 0]));
    const wrong = pods.filter((p) => got.get(p.podUid) !== billedSeconds(p.from, p.until));
    expect(wrong.map((p) => `${p.podUid}: ${got.get(p.podUid)} ≠ ${billedSeconds(p.from, p.until)}`), progress.join('\n')).toEqual([]);
    expect(await svc.db.usageRecord.count({ where: { clusterId: c.clusterId, seconds: { not: 0 } } })).toBe(expectedBuckets);
    const clusterCost = (await svc.db.clusterCost.aggregate({ where: { clusterId: c.clusterId }, _sum: { costNano: true } }))._sum.costNano;
    const bucketCost = (await svc.db.usageRecord.aggregate({ where: { clusterId: c.clusterId }, _sum: { costNano: true } }))._sum.costNano;
    expect(bucketCost).toBeGreaterThan(0n);
    expect(clusterCost).toBe(bucketCost);
    const cost = await costs(svc, c.clusterId);
    expect(cost.clusterCost).toEqual(cost.buckets);
  });
});
