import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import type { Services } from '../src/app/services';
import { finalizeDueInvoices, finalizeInvoice, invoiceLines, meterCluster, publishPrices, type InvoiceView } from '../src/app/billing';
import { scaleWorkload } from '../src/app/workloads';
import { billedSeconds } from '../src/core/billing/meter';
import { DEFAULT_PRICES } from '../src/core/billing/catalog';
import type { PriceItems } from '../src/core/billing/types';
import { deployment } from './support/fleet';
import { useDrivenCluster } from './support/driven';
import { podLifetimes } from './support/billing';

const HOUR = 3_600_000;

/**
 * Billing end to end on a driven clock: the provider reports each sandbox's billable period,
 * the pod loop records it in the ledger, the meter writes hourly buckets, invoices rate them.
 */
describe('billing', () => {
  const clock = new ManualClock(Date.UTC(2026, 9, 31, 23, 0, 0));
  const c = useDrivenCluster(clock, { name: 'bill', region: 'ap-guangzhou' });
  let store: Store;
  let svc: Services;
  let accountId: string;
  let clusterId: string;
  beforeAll(() => ({ store, svc, accountId, clusterId } = c));
  const { step, apply, drop } = c;
  const draft = async (month: string) => (await store.prisma.invoice.findFirstOrThrow({ where: { accountId, month } })) as InvoiceView;

  /** Each pod's billed lifetime from its events: the first Pulling to its Completed / Failed / DELETED, by the source's clock. */
  async function lifetimesFromEvents(): Promise<Map<string, number>> {
    const events = await store.prisma.event.findMany({ where: { clusterId, involvedKind: 'Pod' }, orderBy: { sequence: 'asc' } });
    const billed = [...podLifetimes(events)].filter(([, p]) => p.start !== null);
    return new Map(billed.map(([uid, p]) => [uid, billedSeconds(p.start!, p.end ?? clock.now())]));
  }

  const bucketSeconds = async () => {
    const rows = await store.prisma.usageRecord.groupBy({ by: ['podUid'], where: { clusterId }, _sum: { seconds: true } });
    return new Map(rows.map((r) => [r.podUid, r._sum.seconds ?? 0]));
  };

  it("bills 2 pods of 2C/4GiB for 300 s at Tencent's Intel prices: CNY 0.073344, and every second matches the pod events", async () => {
    await apply(deployment('web', 2, { cpu: '2', memory: '4Gi' }));
    const pods = await store.prisma.pod.findMany({ where: { clusterId } });
    expect(pods.map((p) => p.billingFrom?.getTime())).toEqual([clock.now(), clock.now()]);
    await step(300_000);
    await drop('Deployment', 'web');
    expect(await store.prisma.pod.count({ where: { clusterId } })).toBe(0);
    const ledger = await store.prisma.billablePod.findMany({ where: { clusterId } });
    expect(ledger).toHaveLength(2);
    expect(ledger.map((l) => ({ settled: l.settled, ms: l.until!.getTime() - l.from.getTime(), kind: l.workloadKind, name: l.workloadName }))).toEqual([0, 1].map(() => ({ settled: true, ms: 300_000, kind: "Deployment", name: "web" })));
    expect(await bucketSeconds()).toEqual(await lifetimesFromEvents());
    const lines = await invoiceLines(svc, await draft('2026-10'));
    expect(lines.map((l) => [l.resource, l.kind, String(l.quantity), l.unitPriceNano, String(l.amountMicro)])).toEqual([
      ['cpu', 'intel', '1200000', 33_340, '40008'],
      ['memory', 'intel', '2457600', 13_890, '33336'],
    ]);
  });

  it('bills spot pods at 20 % of the pay-as-you-go price', async () => {
    await apply(deployment('cheap', 1, { cpu: '1', memory: '2Gi', annotations: { 'eks.tke.cloud.tencent.com/spot-pod': 'true' } }));
    await step(100_000);
    await drop('Deployment', 'cheap');
    const lines = (await invoiceLines(svc, await draft('2026-10'))).filter((l) => l.workloadName === 'cheap');
    // 1 core × 100 s × 0.00003334 × 20 % = 0.00066680; 2 GiB × 100 s × 0.00001389 × 20 % = 0.00055560
    expect(lines.map((l) => [l.resource, l.spot, l.rateBp, String(l.amountMicro)])).toEqual([
      ['cpu', true, 2000, '667'],
      ['memory', true, 2000, '556'],
    ]);
  });

  it('splits a pod running across the month end between the two invoices, and finalizes October once, numbered, immutable', async () => {
    const start = clock.now();
    await apply(deployment('long', 1, { cpu: '1', memory: '2Gi' }));
    // the meter runs as the pod starts, then every minute while it runs
    for (let i = 0; i < 90; i++) await step(60_000);
    const monthEnd = Date.UTC(2026, 10, 1);
    const ledger = await store.prisma.billablePod.findFirstOrThrow({ where: { clusterId, workloadName: 'long' } });
    expect(ledger.from.getTime()).toBe(start);
    const byMonth = await store.prisma.usageRecord.findMany({ where: { podUid: ledger.podUid }, orderBy: { hour: 'asc' } });
    const oct = byMonth.filter((b) => b.hour.getTime() < monthEnd).reduce((s, b) => s + b.seconds, 0);
    expect(oct).toBe((monthEnd - start) / 1000);
    expect(byMonth.reduce((s, b) => s + b.seconds, 0)).toBe(billedSeconds(start, clock.now()));
    // October is not finalized before the grace period (1 h) after the month ends
    expect(await finalizeDueInvoices(svc)).toBe(0);
    await step(HOUR);
    expect(await finalizeDueInvoices(svc)).toBe(1);
    const october = await draft('2026-10');
    expect(october).toMatchObject({ status: 'FINALIZED', number: 1 });
    const lines = await invoiceLines(svc, october);
    expect(october.totalMicro).toBe(lines.reduce((s, l) => s + l.amountMicro, 0n));
    expect(lines.filter((l) => l.workloadName === 'long').map((l) => String(l.quantity))).toEqual([String(oct * 1000), String(oct * 2048)]);
    // finalizing again changes nothing
    expect(await finalizeInvoice(svc, october.id)).toMatchObject({ status: 'FINALIZED', number: 1, totalMicro: october.totalMicro });
    await step(HOUR);
    expect(await invoiceLines(svc, await draft('2026-10'))).toEqual(lines);
    await drop('Deployment', 'long');
    const november = await invoiceLines(svc, await draft('2026-11'));
    const novSeconds = (await store.prisma.usageRecord.aggregate({ where: { podUid: ledger.podUid, hour: { gte: new Date(monthEnd) } }, _sum: { seconds: true } }))._sum.seconds!;
    expect(november.filter((l) => l.workloadName === 'long' && l.resource === 'cpu').map((l) => l.quantity)).toEqual([BigInt(novSeconds) * 1000n]);
  });

  it('puts usage corrected after its month was finalized on the next invoice as an adjustment line', async () => {
    // a pod's end recorded late: it ran (as the meter saw it) until after October's finalization,
    // but the provider's record says it ended on 31 October 23:30
    const uid = crypto.randomUUID();
    const from = Date.UTC(2026, 9, 31, 23, 0);
    await store.prisma.billablePod.create({ data: { podUid: uid, accountId, clusterId, clusterName: 'bill', region: 'ap-guangzhou', currency: 'CNY', namespace: 'default', podName: 'late-0', workloadKind: null, workloadName: null, cpuMilli: 1000, memoryMi: 2048, from: new Date(from), until: null, meteredUntil: new Date(from), cpuType: 'intel' } });
    await store.prisma.usageRecord.create({ data: { podUid: uid, hour: new Date(from), accountId, clusterId, currency: 'CNY', seconds: 3600, costNano: 0n, invoicedSeconds: 3600 } });
    await store.prisma.billablePod.update({ where: { podUid: uid }, data: { until: new Date(Date.UTC(2026, 9, 31, 23, 30)), meteredUntil: new Date(Date.UTC(2026, 10, 1)) } });
    await meterCluster(svc, clusterId);
    const bucket = await store.prisma.usageRecord.findUniqueOrThrow({ where: { podUid_hour: { podUid: uid, hour: new Date(from) } } });
    expect(bucket).toMatchObject({ seconds: 1800, invoicedSeconds: 3600, late: true });
    const november = await invoiceLines(svc, await draft('2026-11'));
    const adjustments = november.filter((l) => l.adjustmentFor === '2026-10');
    // −1800 s of 1 core and 2 GiB: −0.060012 and −0.050004
    expect(adjustments.map((l) => [l.resource, String(l.quantity), String(l.amountMicro)])).toEqual([
      ['cpu', '-1800000', '-60012'],
      ['memory', '-3686400', '-50004'],
    ]);
  });

  it('prices usage after a published price change at the new price, and keeps past usage at the old one', async () => {
    const now = clock.now();
    const next = Math.ceil((now + 1) / HOUR) * HOUR;
    const items: PriceItems = { ...DEFAULT_PRICES.CNY, cpu: { ...DEFAULT_PRICES.CNY.cpu, intel: 40_000 } };
    expect((await publishPrices(svc, { region: 'ap-guangzhou', effectiveFrom: new Date(next - 2 * HOUR), items })).userErrors.map((e) => e.code)).toEqual(['IN_THE_PAST']);
    expect((await publishPrices(svc, { region: 'ap-guangzhou', effectiveFrom: new Date(next + 1000), items })).userErrors.map((e) => e.code)).toEqual(['NOT_WHOLE_HOUR']);
    const noAmd = { intel: 40_000 };
    expect((await publishPrices(svc, { region: 'ap-guangzhou', effectiveFrom: new Date(next), items: { ...items, cpu: noAmd } })).userErrors.map((e) => e.code)).toContain('MISSING_PRICE');
    expect((await publishPrices(svc, { region: 'ap-guangzhou', effectiveFrom: new Date(next), items })).userErrors).toEqual([]);
    await apply(deployment('priced', 1, { cpu: '1', memory: '2Gi' }));
    const started = clock.now();
    await step(next - started + 600_000);
    await drop('Deployment', 'priced');
    const cpu = (await invoiceLines(svc, await draft('2026-11'))).filter((l) => l.workloadName === 'priced' && l.resource === 'cpu');
    expect(cpu.map((l) => [l.unitPriceNano, String(l.quantity)])).toEqual([
      [33_340, String(((next - started) / 1000) * 1000)],
      [40_000, '600000'],
    ]);
  });
});
