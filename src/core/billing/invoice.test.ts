import { describe, it, expect } from 'vitest';
import { ratesOf } from './catalog';
import {
  formatQuantity,
  invoiceCsv,
  invoiceJson,
  invoiceTotal,
  quantityUnit,
  rateGroups,
  resourceLabel,
  type InvoiceHeader,
} from './invoice';
import { amountMicro, divRound, exactAmount, formatMicro } from './money';
import type { BilledSpec, InvoiceLine, PriceItems, PriceVersion, Resource, UsageGroup } from './types';
import { mulberry32 } from '../random';

/** The test's own catalog (not the catalog module's defaults): Tencent's CNY prices. */
const ITEMS: PriceItems = {
  cpu: { intel: 33_340, amd: 15_280 },
  memory: { intel: 13_890, amd: 8_890 },
  gpu: {
    V100: { card: 3_193_000, cpu: 57_780, memory: 33_890 },
    T4: { card: 1_447_000, cpu: 24_110, memory: 24_110 },
  },
  spotRateBp: 2000,
  discounts: [],
};

function version(id: string, items: PriceItems = ITEMS): PriceVersion {
  return { id, region: 'gz', currency: 'CNY', effectiveFrom: 0, items };
}

function versions(...vs: PriceVersion[]): Map<string, PriceVersion> {
  return new Map(vs.map((v) => [v.id, v]));
}

const V1 = versions(version('v1'));

function spec(over: Partial<BilledSpec> = {}): BilledSpec {
  return { cpuMilli: 2000, memoryMi: 4096, cpuType: 'intel', gpuModel: null, gpuMilli: 0, spot: false, ...over };
}

function group(over: Partial<UsageGroup> = {}): UsageGroup {
  return {
    clusterId: 'c1',
    clusterName: 'prod',
    namespace: 'default',
    workloadKind: 'Deployment',
    workloadName: 'web',
    spec: spec(),
    versionId: 'v1',
    seconds: 300n,
    adjustmentFor: null,
    ...over,
  };
}

const HEADER: InvoiceHeader = { number: 'INV-2025-0001', month: '2025-01', currency: 'CNY', status: 'finalized' };

/** A minimal RFC 4180 reader for checking what invoiceCsv wrote (every record ends in CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    } else if (c === '"') {
      quoted = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i += 1;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 2;
    } else if (c === '\r' || c === '\n') {
      throw new Error(`bare line break at ${i}`);
    } else {
      field += c;
      i += 1;
    }
  }
  if (field !== '' || row.length > 0 || quoted) throw new Error('the last record does not end in CRLF');
  return rows;
}

/** Rows as objects keyed by the header row's column names. */
function csvRecords(text: string): Record<string, string>[] {
  const [head, ...rest] = parseCsv(text);
  return rest.map((r) => {
    expect(r).toHaveLength(head.length);
    return Object.fromEntries(head.map((h, i) => [h, r[i]]));
  });
}

describe('rateGroups', () => {
  it('prices the Tencent example: 2 intel pods of 2C/4GiB for 300 s each are 0.040008 + 0.033336 = 0.073344 CNY', () => {
    const lines = rateGroups([group({ workloadName: 'a' }), group({ workloadName: 'a' })], V1);
    expect(lines.map((l) => [l.resource, l.kind, l.quantity, l.unitPriceNano, l.rateBp, l.amountMicro])).toEqual([
      ['cpu', 'intel', 1_200_000n, 33_340, 10_000, 40_008n],
      ['memory', 'intel', 2_457_600n, 13_890, 10_000, 33_336n],
    ]);
    expect(invoiceTotal(lines)).toBe(73_344n);
    expect(formatMicro(invoiceTotal(lines))).toBe('0.073344');
  });

  it('merges contributions before rounding: two groups that would each round to 0 micro round to 1 together', () => {
    // 250 m × 3 s = 750 milli-core-seconds at 400 nano/core-s = 0.3 micro each; 0.6 together.
    const items: PriceItems = { ...ITEMS, cpu: { intel: 400 }, memory: { intel: 0 } };
    const vs = versions(version('v1', items));
    const a = group({ spec: spec({ cpuMilli: 250, memoryMi: 512 }), seconds: 3n });
    const b = group({ spec: spec({ cpuMilli: 250, memoryMi: 1024 }), seconds: 3n });
    expect(amountMicro(750n, 400, 10_000, 'cpu')).toBe(0n);
    expect(rateGroups([a], vs).find((l) => l.resource === 'cpu')!.amountMicro).toBe(0n);

    const lines = rateGroups([a, b], vs);
    const cpu = lines.filter((l) => l.resource === 'cpu');
    expect(cpu).toHaveLength(1);
    expect(cpu[0].quantity).toBe(1500n);
    expect(cpu[0].amountMicro).toBe(1n);
    // Memory merges as well (same kind, price and rate; the per-second size is not part of the key).
    expect(lines.filter((l) => l.resource === 'memory').map((l) => l.quantity)).toEqual([3n * 512n + 3n * 1024n]);
  });

  it('merges across price versions when the prices are the same, and keeps them apart when they differ', () => {
    const same = versions(version('v1'), version('v2'));
    expect(rateGroups([group(), group({ versionId: 'v2' })], same)).toHaveLength(2);
    const dearer = versions(version('v1'), version('v2', { ...ITEMS, cpu: { intel: 40_000 } }));
    const lines = rateGroups([group(), group({ versionId: 'v2' })], dearer);
    expect(lines.map((l) => [l.resource, l.unitPriceNano])).toEqual([
      ['cpu', 33_340],
      ['cpu', 40_000],
      ['memory', 13_890],
    ]);
  });

  const halfAway: Array<[string, number, bigint, bigint]> = [
    ['+0.5 micro rounds up to 1', 1000, 1n, 1n],
    ['−0.5 micro rounds to −1 (away from zero, not towards +∞)', 1000, -1n, -1n],
    ['+1.5 micro rounds to 2', 1000, 3n, 2n],
    ['−1.5 micro rounds to −2', 1000, -3n, -2n],
    ['−1 micro is exact', 1000, -2n, -1n],
    ['−0.4 micro rounds to 0', 800, -1n, 0n],
    ['−0.6 micro rounds to −1', 1200, -1n, -1n],
  ];
  for (const [name, cpuMilli, seconds, expected] of halfAway) {
    it(`rounds an adjustment's amount half away from zero: ${name}`, () => {
      // 500 nano per core-second: 1000 milli-core-seconds are 0.5 micro.
      const vs = versions(version('v1', { ...ITEMS, cpu: { intel: 500 }, memory: { intel: 0 } }));
      const [cpu] = rateGroups([group({ spec: spec({ cpuMilli }), seconds, adjustmentFor: '2024-12' })], vs);
      expect(cpu.resource).toBe('cpu');
      expect(cpu.quantity).toBe(seconds * BigInt(cpuMilli));
      expect(cpu.amountMicro).toBe(expected);
    });
  }

  it('keeps negative adjustment quantities and amounts negative', () => {
    const lines = rateGroups([group({ seconds: -300n, adjustmentFor: '2024-12' })], V1);
    expect(lines.map((l) => [l.quantity, l.amountMicro, l.adjustmentFor])).toEqual([
      [-600_000n, -20_004n, '2024-12'],
      [-1_228_800n, -16_668n, '2024-12'],
    ]);
    expect(invoiceTotal(lines)).toBe(-36_672n);
  });

  it('drops a line whose quantities cancel out', () => {
    const lines = rateGroups(
      [
        group({ seconds: 300n, adjustmentFor: '2024-12' }),
        group({ seconds: -300n, adjustmentFor: '2024-12' }),
        group({ seconds: 0n }),
      ],
      V1,
    );
    expect(lines).toEqual([]);
  });

  it('bills a GPU slice its milli-cards: gpuMilli 250 is 250 per second, and the GPU pod\'s CPU and memory at the model\'s prices', () => {
    const g = group({ spec: spec({ cpuMilli: 4000, memoryMi: 16_384, cpuType: null, gpuModel: 'T4', gpuMilli: 250 }), seconds: 3600n });
    const lines = rateGroups([g], V1);
    expect(lines.map((l) => [l.resource, l.kind, l.quantity, l.unitPriceNano, l.amountMicro])).toEqual([
      ['cpu', 'T4', 14_400_000n, 24_110, 347_184n],
      ['memory', 'T4', 58_982_400n, 24_110, 1_388_736n],
      ['gpu', 'T4', 900_000n, 1_447_000, 1_302_300n],
    ]);
  });

  it('bills spot pods at the spot rate, on lines apart from pay-as-you-go', () => {
    const lines = rateGroups([group({ spec: spec({ spot: true }) }), group()], V1);
    expect(lines.map((l) => [l.resource, l.spot, l.rateBp, l.amountMicro])).toEqual([
      ['cpu', false, 10_000, 20_004n],
      ['cpu', true, 2000, 4001n], // 20_004 × 20 % = 4000.8
      ['memory', false, 10_000, 16_668n],
      ['memory', true, 2000, 3334n], // 16_668 × 20 % = 3333.6
    ]);
  });

  it('throws on an unknown price version, naming it', () => {
    expect(() => rateGroups([group(), group({ versionId: 'v-missing' })], V1)).toThrow(/v-missing/);
  });

  it('passes on the catalog\'s error when a price is missing', () => {
    expect(() => rateGroups([group({ spec: spec({ cpuType: 'arm' }) })], V1)).toThrow(/arm/);
  });

  it('orders own-month lines first, then adjustments by month, then cluster, namespace, workload, resource, kind, spot, price, rate', () => {
    const vs = versions(version('v1'), version('v2', { ...ITEMS, cpu: { intel: 40_000, amd: 15_280 }, spotRateBp: 3000 }));
    const groups: UsageGroup[] = [
      group({ adjustmentFor: '2024-12' }),
      group({ adjustmentFor: '2024-11' }),
      group({ clusterId: 'c0', clusterName: 'staging' }),
      group({ namespace: 'a-team' }),
      group({ workloadKind: null, workloadName: 'bare' }),
      group({ workloadKind: 'StatefulSet', workloadName: 'db' }),
      group({ workloadName: 'api' }),
      group({ spec: spec({ cpuType: 'amd' }) }),
      group({ spec: spec({ spot: true }) }),
      group({ versionId: 'v2' }),
      group({ versionId: 'v2', spec: spec({ spot: true }) }),
      group({ spec: spec({ cpuMilli: 4000, memoryMi: 16_384, gpuModel: 'V100', gpuMilli: 1000 }) }),
      group(),
    ];
    // Any input order gives the same lines in the same order.
    const rnd = mulberry32(7);
    const shuffled = [...groups].sort(() => rnd() - 0.5);
    const show = (ls: InvoiceLine[]) =>
      ls.map((l) =>
        [l.adjustmentFor ?? '-', l.clusterName, l.namespace, l.workloadKind ?? '-', l.workloadName, l.resource, l.kind, l.spot ? 'spot' : 'payg', l.unitPriceNano, l.rateBp].join(' '),
      );
    const lines = rateGroups(groups, vs);
    expect(show(rateGroups(shuffled, vs))).toEqual(show(lines));
    expect(show(lines)).toEqual([
      '- prod a-team Deployment web cpu intel payg 33340 10000',
      '- prod a-team Deployment web memory intel payg 13890 10000',
      '- prod default - bare cpu intel payg 33340 10000',
      '- prod default - bare memory intel payg 13890 10000',
      '- prod default Deployment api cpu intel payg 33340 10000',
      '- prod default Deployment api memory intel payg 13890 10000',
      '- prod default Deployment web cpu V100 payg 57780 10000',
      '- prod default Deployment web cpu amd payg 15280 10000',
      '- prod default Deployment web cpu intel payg 33340 10000',
      '- prod default Deployment web cpu intel payg 40000 10000',
      '- prod default Deployment web cpu intel spot 33340 2000',
      '- prod default Deployment web cpu intel spot 40000 3000',
      '- prod default Deployment web memory V100 payg 33890 10000',
      '- prod default Deployment web memory amd payg 8890 10000',
      '- prod default Deployment web memory intel payg 13890 10000',
      '- prod default Deployment web memory intel spot 13890 2000',
      '- prod default Deployment web memory intel spot 13890 3000',
      '- prod default Deployment web gpu V100 payg 3193000 10000',
      '- prod default StatefulSet db cpu intel payg 33340 10000',
      '- prod default StatefulSet db memory intel payg 13890 10000',
      '- staging default Deployment web cpu intel payg 33340 10000',
      '- staging default Deployment web memory intel payg 13890 10000',
      '2024-11 prod default Deployment web cpu intel payg 33340 10000',
      '2024-11 prod default Deployment web memory intel payg 13890 10000',
      '2024-12 prod default Deployment web cpu intel payg 33340 10000',
      '2024-12 prod default Deployment web memory intel payg 13890 10000',
    ]);
  });

  it('holds over 500 random sets of groups: each line is its contributions\' exact Σ rounded once, and the total is Σ lines', () => {
    const rnd = mulberry32(20250101);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
    const vs = versions(
      version('v1'),
      version('v2', { ...ITEMS, cpu: { intel: 33_341, amd: 15_280 }, discounts: [{ cpuType: 'intel', cpuMilli: 250, memoryMi: 512, rateBp: 8000 }] }),
      version('v3', { ...ITEMS, spotRateBp: 3333 }),
    );
    const specs: BilledSpec[] = [
      spec({ cpuMilli: 250, memoryMi: 512 }),
      spec({ cpuMilli: 250, memoryMi: 512, spot: true }),
      spec({ cpuMilli: 1, memoryMi: 1 }),
      spec({ cpuMilli: 2000, memoryMi: 4096, cpuType: 'amd' }),
      spec({ cpuMilli: 1500, memoryMi: 3000, cpuType: null, spot: true }),
      spec({ cpuMilli: 8000, memoryMi: 32_768, gpuModel: 'T4', gpuMilli: 250 }),
      spec({ cpuMilli: 8000, memoryMi: 40_000, gpuModel: 'V100', gpuMilli: 1000, spot: true }),
      spec({ cpuMilli: 100, memoryMi: 100, gpuModel: 'T4', gpuMilli: 0 }),
    ];
    const workloads: Array<[string | null, string | null]> = [
      ['Deployment', 'web'],
      ['Deployment', 'api'],
      ['Job', 'batch'],
      [null, 'bare-1'],
    ];
    for (let run = 0; run < 500; run++) {
      const groups: UsageGroup[] = [];
      for (let n = int(0, 12); n > 0; n--) {
        const [workloadKind, workloadName] = pick(workloads);
        const adjustmentFor = pick([null, null, null, '2024-11', '2024-12']);
        groups.push({
          clusterId: pick(['c1', 'c2']),
          clusterName: 'x',
          namespace: pick(['default', 'team-a']),
          workloadKind,
          workloadName,
          spec: pick(specs),
          versionId: pick(['v1', 'v2', 'v3']),
          seconds: BigInt(adjustmentFor === null ? int(0, 20) : int(-20, 20)) * BigInt(pick([1, 1, 7, 3600])),
          adjustmentFor,
        });
      }
      // Independently: the exact amounts of every contribution, summed per line key.
      const expected = new Map<string, { quantity: bigint; num: bigint; den: bigint }>();
      for (const g of groups) {
        for (const r of ratesOf(vs.get(g.versionId)!.items, g.spec)) {
          const key = [g.clusterId, g.namespace, g.workloadKind, g.workloadName, r.resource, r.kind, g.spec.spot, r.unitPriceNano, r.rateBp, g.adjustmentFor].join('|');
          const q = g.seconds * BigInt(r.perSecond);
          const { num, den } = exactAmount(q, r.unitPriceNano, r.rateBp, r.resource);
          const e = expected.get(key) ?? { quantity: 0n, num: 0n, den };
          expect(e.den).toBe(den);
          expected.set(key, { quantity: e.quantity + q, num: e.num + num, den });
        }
      }
      const nonZero = [...expected].filter(([, e]) => e.quantity !== 0n);

      const lines = rateGroups(groups, vs);
      expect(lines).toHaveLength(nonZero.length);
      let sum = 0n;
      for (const l of lines) {
        const key = [l.clusterId, l.namespace, l.workloadKind, l.workloadName, l.resource, l.kind, l.spot, l.unitPriceNano, l.rateBp, l.adjustmentFor].join('|');
        const e = expected.get(key);
        expect(e, key).toBeDefined();
        expect(l.quantity).toBe(e!.quantity);
        expect(l.amountMicro).toBe(divRound(e!.num, e!.den));
        sum += l.amountMicro;
      }
      expect(invoiceTotal(lines)).toBe(sum);
      const csvTotal = csvRecords(invoiceCsv(HEADER, lines)).at(-1)!;
      expect(csvTotal.amount).toBe(formatMicro(sum));
    }
  });
});

describe('quantityUnit and formatQuantity', () => {
  const units: Array<[Resource, string]> = [
    ['cpu', 'core-second'],
    ['memory', 'GiB-second'],
    ['gpu', 'card-second'],
  ];
  for (const [resource, unit] of units) {
    it(`prices ${resource} per ${unit}`, () => expect(quantityUnit(resource)).toBe(unit));
  }

  const cases: Array<[Resource, bigint, string]> = [
    ['cpu', 1_200_000n, '1200.000'],
    ['cpu', 1n, '0.001'],
    ['cpu', 0n, '0.000'],
    ['cpu', -1500n, '-1.500'],
    ['gpu', 250n, '0.250'],
    ['gpu', 900_000n, '900.000'],
    ['memory', 2_457_600n, '2400.000'],
    ['memory', 1n, '0.0009765625'],
    ['memory', -1n, '-0.0009765625'],
    ['memory', 512n, '0.500'],
    ['memory', 1536n, '1.500'],
    ['memory', 3000n, '2.9296875'],
    ['memory', 0n, '0.000'],
    ['memory', -2048n, '-2.000'],
  ];
  for (const [resource, q, text] of cases) {
    it(`writes ${q} ${resource} as "${text}"`, () => expect(formatQuantity(resource, q)).toBe(text));
  }

  it('writes memory quantities exactly: the decimal times 1024 gives the MiB-seconds back', () => {
    const rnd = mulberry32(1);
    for (let i = 0; i < 200; i++) {
      const q = BigInt(Math.floor(rnd() * 1e9) - 5e8);
      const text = formatQuantity('memory', q);
      const [whole, frac] = text.replace('-', '').split('.');
      expect(frac.length).toBeGreaterThanOrEqual(3);
      const scaled = BigInt(whole + frac) * 1024n;
      const sign = text.startsWith('-') ? -1n : 1n;
      expect(sign * scaled).toBe(q * 10n ** BigInt(frac.length));
    }
  });
});

describe('resourceLabel', () => {
  const cases: Array<[Pick<InvoiceLine, 'resource' | 'kind' | 'spot'>, string]> = [
    [{ resource: 'cpu', kind: 'intel', spot: false }, 'CPU (intel)'],
    [{ resource: 'memory', kind: 'intel', spot: false }, 'Memory (intel)'],
    [{ resource: 'cpu', kind: 'amd', spot: true }, 'CPU (amd) spot'],
    [{ resource: 'cpu', kind: 'V100', spot: false }, 'CPU (V100 pod)'],
    [{ resource: 'memory', kind: 'T4', spot: false }, 'Memory (T4 pod)'],
    [{ resource: 'memory', kind: 'T4', spot: true }, 'Memory (T4 pod) spot'],
    [{ resource: 'gpu', kind: 'T4', spot: false }, 'GPU (T4)'],
    [{ resource: 'gpu', kind: 'V100', spot: true }, 'GPU (V100) spot'],
  ];
  for (const [line, label] of cases) {
    it(`labels ${line.resource} of ${line.kind}${line.spot ? ' (spot)' : ''} "${label}"`, () => expect(resourceLabel(line)).toBe(label));
  }
});

describe('invoiceCsv', () => {
  const tencent = () => rateGroups([group({ workloadName: 'a' }), group({ workloadName: 'a' })], V1);

  it('writes a header row, one row per line and a TOTAL row, each ending in CRLF', () => {
    const csv = invoiceCsv(HEADER, tencent());
    expect(csv.split('\r\n')).toEqual([
      'invoice,month,currency,status,cluster,namespace,workload_kind,workload,resource,type,spot,adjustment_for,quantity,unit,unit_price,rate_percent,amount',
      'INV-2025-0001,2025-01,CNY,finalized,prod,default,Deployment,a,cpu,intel,false,,1200.000,core-second,0.000033340,100.00,0.040008',
      'INV-2025-0001,2025-01,CNY,finalized,prod,default,Deployment,a,memory,intel,false,,2400.000,GiB-second,0.000013890,100.00,0.033336',
      ',,,,,,,,TOTAL,,,,,,,,0.073344',
      '',
    ]);
  });

  it('writes the spot rate as a percentage with 2 decimals and an adjustment\'s month and negative amount', () => {
    const lines = rateGroups([group({ spec: spec({ spot: true }), seconds: -300n, adjustmentFor: '2024-12' })], V1);
    const [cpu, memory, total] = csvRecords(invoiceCsv(HEADER, lines));
    expect(cpu).toMatchObject({ spot: 'true', adjustment_for: '2024-12', quantity: '-600.000', rate_percent: '20.00', amount: '-0.004001' });
    expect(memory).toMatchObject({ quantity: '-1200.000', amount: '-0.003334' });
    expect(total.amount).toBe('-0.007335');
  });

  it('leaves a bare pod\'s workload kind empty rather than inventing "Pod"', () => {
    const [row] = csvRecords(invoiceCsv(HEADER, rateGroups([group({ workloadKind: null, workloadName: 'job-x' })], V1)));
    expect(row.workload_kind).toBe('');
    expect(row.workload).toBe('job-x');
  });

  it('leaves a draft\'s invoice number empty', () => {
    const [row] = csvRecords(invoiceCsv({ ...HEADER, number: null, status: 'draft' }, tencent()));
    expect(row.invoice).toBe('');
    expect(row.status).toBe('draft');
  });

  const names: Array<[string, string, string]> = [
    ['a comma', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a line feed', 'two\nlines', '"two\nlines"'],
    ['a carriage return', 'two\r\nlines', '"two\r\nlines"'],
    ['a leading =', '=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['a leading +', '+1', "'+1"],
    ['a leading -', '-2+3', "'-2+3"],
    ['a leading @', '@SUM(A1)', "'@SUM(A1)"],
    ['a leading tab', '\tx', "'\tx"],
    ['a formula and a comma', '=1,2', `"'=1,2"`],
    ['a plain name', 'web-1', 'web-1'],
  ];
  for (const [what, name, field] of names) {
    it(`writes a name with ${what} as ${JSON.stringify(field)}`, () => {
      const lines = rateGroups([group({ workloadName: name })], V1);
      const csv = invoiceCsv(HEADER, lines);
      expect(csv).toContain(`,Deployment,${field},cpu,`);
      const [row] = csvRecords(csv);
      expect(row.workload).toBe(FORMULA(name) ? `'${name}` : name);
    });
  }

  it('neutralises the header\'s and cluster\'s names too, but never a negative number it produced', () => {
    const lines = rateGroups([group({ clusterName: '-prod', namespace: '@ns', seconds: -1n, adjustmentFor: '2024-12' })], V1);
    const csv = invoiceCsv({ number: '=1+1', month: '2025-01', currency: 'CNY', status: '+x' }, lines);
    const [row, , total] = csvRecords(csv);
    expect(row).toMatchObject({ invoice: "'=1+1", status: "'+x", cluster: "'-prod", namespace: "'@ns", quantity: '-2.000', amount: '-0.000067' });
    expect(total.amount).toBe(formatMicro(invoiceTotal(lines)));
    expect(total.amount.startsWith('-')).toBe(true);
  });

  it('writes only the header and a zero TOTAL for an invoice without lines', () => {
    expect(invoiceCsv(HEADER, [])).toBe(
      'invoice,month,currency,status,cluster,namespace,workload_kind,workload,resource,type,spot,adjustment_for,quantity,unit,unit_price,rate_percent,amount\r\n' +
        ',,,,,,,,TOTAL,,,,,,,,0.000000\r\n',
    );
  });
});

function FORMULA(s: string): boolean {
  return /^[=+\-@\t\r]/.test(s);
}

describe('invoiceJson', () => {
  it('gives a JSON-ready object whose amounts and quantities are strings, and JSON.stringify works', () => {
    const lines = rateGroups(
      [group({ workloadName: 'a', seconds: 600n }), group({ workloadKind: null, workloadName: 'p', spec: spec({ spot: true }), adjustmentFor: '2024-12', seconds: -1n })],
      V1,
    );
    const json = invoiceJson(HEADER, lines);
    const text = JSON.stringify(json);
    expect(JSON.parse(text)).toEqual(json);
    expect(json).toMatchObject({ invoice: 'INV-2025-0001', month: '2025-01', currency: 'CNY', status: 'finalized' });
    expect(json.totalMicro).toBe(invoiceTotal(lines).toString());
    expect(json.total).toBe(formatMicro(invoiceTotal(lines)));
    expect(json.lines[0]).toEqual({
      cluster: 'prod',
      clusterId: 'c1',
      namespace: 'default',
      workloadKind: 'Deployment',
      workload: 'a',
      resource: 'cpu',
      type: 'intel',
      spot: false,
      adjustmentFor: null,
      quantity: '1200.000',
      unit: 'core-second',
      quantityRaw: '1200000',
      unitPriceNano: 33_340,
      unitPrice: '0.000033340',
      ratePercent: '100.00',
      amount: '0.040008',
      amountMicro: '40008',
    });
    expect(json.lines[2]).toMatchObject({ workloadKind: null, workload: 'p', spot: true, adjustmentFor: '2024-12', quantityRaw: '-2000', ratePercent: '20.00', amountMicro: '-13' });
  });

  it('gives a null invoice number for a draft and a zero total without lines', () => {
    expect(invoiceJson({ ...HEADER, number: null }, [])).toEqual({
      invoice: null,
      month: '2025-01',
      currency: 'CNY',
      status: 'finalized',
      total: '0.000000',
      totalMicro: '0',
      lines: [],
    });
  });
});
