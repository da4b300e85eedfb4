import { describe, expect, it } from 'vitest';
import { costNano, DEFAULT_PRICES, defaultPriceVersion, MissingPriceError, quote, ratesOf, validatePriceItems, versionAt } from './catalog';
import { amountMicro, amountNano, exactAmount } from './money';
import { FULL_RATE_BP, type BilledSpec, type PriceItems, type PriceVersion, type Rate } from './types';

const CNY = DEFAULT_PRICES.CNY;
const USD = DEFAULT_PRICES.USD;

const cpuPod = (cpuMilli: number, memoryMi: number, o: Partial<BilledSpec> = {}): BilledSpec => ({
  cpuMilli,
  memoryMi,
  cpuType: 'intel',
  gpuModel: null,
  gpuMilli: 0,
  spot: false,
  ...o,
});
const gpuPod = (gpuModel: string, gpuMilli: number, cpuMilli: number, memoryMi: number, o: Partial<BilledSpec> = {}): BilledSpec => ({
  cpuMilli,
  memoryMi,
  cpuType: null,
  gpuModel,
  gpuMilli,
  spot: false,
  ...o,
});
const withItems = (o: Partial<PriceItems>): PriceItems => ({ ...structuredClone(CNY), ...o });

/** Each rate's amount for `podSeconds` pod-seconds, rounded once per line (as an invoice does). */
const lineAmounts = (rates: Rate[], podSeconds: number): bigint[] =>
  rates.map((r) => amountMicro(BigInt(r.perSecond) * BigInt(podSeconds), r.unitPriceNano, r.rateBp, r.resource));
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);

describe('DEFAULT_PRICES', () => {
  it('holds the published Tencent EKS CNY prices', () => {
    expect(CNY).toEqual({
      cpu: { intel: 33_340, amd: 15_280 },
      memory: { intel: 13_890, amd: 8_890 },
      gpu: { V100: { card: 3_193_000, cpu: 57_780, memory: 33_890 }, T4: { card: 1_447_000, cpu: 24_110, memory: 24_110 } },
      spotRateBp: 2000,
      discounts: [],
    });
  });

  it('holds the published Tencent international USD CPU and memory prices', () => {
    expect(USD.cpu).toEqual({ intel: 4_976, amd: 2_190 });
    expect(USD.memory).toEqual({ intel: 2_073, amd: 1_270 });
    expect(USD.spotRateBp).toBe(2000);
    expect(USD.discounts).toEqual([]);
  });

  // The USD GPU prices are derived: CNY / 7.2 = CNY × 10 / 72, rounded half up = ⌊(20·CNY + 72) / 144⌋.
  it.each([
    ['V100', 'card', 3_193_000, 443_472], // 31_930_000 / 72 = 443_472.2…
    ['V100', 'cpu', 57_780, 8_025], // 577_800 / 72 = 8_025 exactly
    ['V100', 'memory', 33_890, 4_707], // 338_900 / 72 = 4_706.9…
    ['T4', 'card', 1_447_000, 200_972], // 14_470_000 / 72 = 200_972.2…
    ['T4', 'cpu', 24_110, 3_349], // 241_100 / 72 = 3_348.6…
    ['T4', 'memory', 24_110, 3_349],
  ] as const)('derives the USD %s %s price from CNY %i at 7.2 CNY per USD, rounded half up', (model, part, cny, usd) => {
    expect(CNY.gpu[model][part]).toBe(cny);
    const tenTimes = cny * 10;
    const q = Math.floor(tenTimes / 72);
    const rem = tenTimes % 72;
    const derived = rem * 2 >= 72 ? q + 1 : q;
    expect(derived).toBe(usd);
    expect(USD.gpu[model][part]).toBe(usd);
  });

  it('has both currencies pass validation for every CPU type and GPU model', () => {
    for (const items of [CNY, USD]) expect(validatePriceItems(items, { cpuTypes: ['intel', 'amd'], gpuModels: ['V100', 'T4'] })).toEqual([]);
  });

  it('is frozen, so no caller can change the defaults', () => {
    expect(Object.isFrozen(CNY.cpu)).toBe(true);
    expect(Object.isFrozen(USD.gpu.V100)).toBe(true);
  });
});

describe('defaultPriceVersion', () => {
  it.each([
    ['ap-guangzhou', 'CNY', CNY],
    ['na-ashburn', 'USD', USD],
  ] as const)('gives region %s the %s defaults from the epoch', (region, currency, items) => {
    const v = defaultPriceVersion(region, currency);
    expect(v).toEqual({ id: `default-${region}`, region, currency, effectiveFrom: 0, items });
  });

  it('hands out a copy that can be edited without touching the defaults', () => {
    const v = defaultPriceVersion('ap-guangzhou', 'CNY');
    v.items.cpu.intel = 1;
    v.items.gpu.T4.card = 1;
    expect(CNY.cpu.intel).toBe(33_340);
    expect(CNY.gpu.T4.card).toBe(1_447_000);
  });

  it.each(['EUR', 'cny', 'toString', ''])('throws for the unknown currency %j', (currency) => {
    expect(() => defaultPriceVersion('ap-guangzhou', currency)).toThrow(RangeError);
  });
});

describe('Tencent worked examples', () => {
  it('bills 2 pods of 2C/4GiB for 300 s at CNY 0.073344 (CPU 0.040008 + memory 0.033336)', () => {
    const rates = ratesOf(CNY, cpuPod(2000, 4096));
    // 2 pods × 300 s = 600 pod-seconds.
    // CPU: 2000 m × 600 s = 1_200_000 milli-core-s = 1200 core-s × 0.00003334 = 0.040008.
    // Memory: 4096 Mi × 600 s = 2_457_600 MiB-s = 2400 GiB-s × 0.00001389 = 0.033336.
    const lines = lineAmounts(rates, 600);
    expect(lines).toEqual([40_008n, 33_336n]);
    expect(sum(lines)).toBe(73_344n);
  });

  it('bills 10 pods of 4C/8GiB running 600 s twice a day at CNY 2.93376 per day', () => {
    const rates = ratesOf(CNY, cpuPod(4000, 8192));
    // 10 pods × 600 s × 2 = 12_000 pod-seconds a day.
    // CPU: 4 cores × 12_000 s = 48_000 core-s × 0.00003334 = 1.60032.
    // Memory: 8 GiB × 12_000 s = 96_000 GiB-s × 0.00001389 = 1.33344.
    const lines = lineAmounts(rates, 10 * 600 * 2);
    expect(lines).toEqual([1_600_320n, 1_333_440n]);
    expect(sum(lines)).toBe(2_933_760n);
  });

  it('bills the 2 × 2C/4GiB × 300 s example in USD at exactly 0.0109464, rounded per line to 0.005971 + 0.004975', () => {
    const rates = ratesOf(USD, cpuPod(2000, 4096));
    // CPU: 1_200_000 milli-core-s × 4976 nano / 1000 = 5_971_200 nano = 5_971.2 micro → 5_971.
    // Memory: 2_457_600 MiB-s × 2073 nano / 1024 = 4_975_200 nano = 4_975.2 micro → 4_975.
    // Exact total: 10_946.4 micro = 0.0109464 USD; the rounded lines add up to 10_946.
    const [cpu, memory] = rates.map((r) => exactAmount(BigInt(r.perSecond) * 600n, r.unitPriceNano, r.rateBp, r.resource));
    // cpu.num / cpu.den + memory.num / memory.den = 109_464 / 10, cross-multiplied.
    expect((cpu.num * memory.den + memory.num * cpu.den) * 10n).toBe(109_464n * cpu.den * memory.den);
    expect(lineAmounts(rates, 600)).toEqual([5_971n, 4_975n]);
  });
});

describe('ratesOf', () => {
  const rate = (resource: Rate['resource'], kind: string, unitPriceNano: number, rateBp: number, perSecond: number): Rate => ({
    resource,
    kind,
    unitPriceNano,
    rateBp,
    perSecond,
  });
  const discount = { cpuType: 'intel', cpuMilli: 2000, memoryMi: 4096, rateBp: 8000 };
  const deep = { cpuType: 'intel', cpuMilli: 2000, memoryMi: 4096, rateBp: 1500 };

  it.each<[string, PriceItems, BilledSpec, Rate[]]>([
    ['an intel CPU pod bills CPU and memory at the intel prices', CNY, cpuPod(2000, 4096), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 2000), rate('memory', 'intel', 13_890, FULL_RATE_BP, 4096)]],
    ['an amd CPU pod bills CPU and memory at the amd prices', CNY, cpuPod(1000, 2048, { cpuType: 'amd' }), [rate('cpu', 'amd', 15_280, FULL_RATE_BP, 1000), rate('memory', 'amd', 8_890, FULL_RATE_BP, 2048)]],
    ['a CPU pod without a CPU type bills as intel', CNY, cpuPod(250, 512, { cpuType: null }), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 250), rate('memory', 'intel', 13_890, FULL_RATE_BP, 512)]],
    ['a spot CPU pod bills at the spot rate', CNY, cpuPod(2000, 4096, { spot: true }), [rate('cpu', 'intel', 33_340, 2000, 2000), rate('memory', 'intel', 13_890, 2000, 4096)]],
    ['a pod with a GPU model but no GPU bills as a CPU pod', CNY, cpuPod(2000, 4096, { gpuModel: 'T4' }), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 2000), rate('memory', 'intel', 13_890, FULL_RATE_BP, 4096)]],
    ['a pod with GPU milli but no GPU model bills as a CPU pod', CNY, cpuPod(2000, 4096, { gpuMilli: 1000 }), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 2000), rate('memory', 'intel', 13_890, FULL_RATE_BP, 4096)]],
    [
      'a V100 pod bills CPU, memory and a whole card at V100 pod prices',
      CNY,
      gpuPod('V100', 1000, 8000, 40 * 1024),
      [rate('cpu', 'V100', 57_780, FULL_RATE_BP, 8000), rate('memory', 'V100', 33_890, FULL_RATE_BP, 40 * 1024), rate('gpu', 'V100', 3_193_000, FULL_RATE_BP, 1000)],
    ],
    [
      'a 1/4 T4 slice bills a quarter card at T4 pod CPU and memory prices',
      CNY,
      gpuPod('T4', 250, 4000, 20 * 1024),
      [rate('cpu', 'T4', 24_110, FULL_RATE_BP, 4000), rate('memory', 'T4', 24_110, FULL_RATE_BP, 20 * 1024), rate('gpu', 'T4', 1_447_000, FULL_RATE_BP, 250)],
    ],
    [
      'a spot GPU pod bills CPU, memory and the card at the spot rate',
      CNY,
      gpuPod('T4', 1000, 8000, 32 * 1024, { spot: true }),
      [rate('cpu', 'T4', 24_110, 2000, 8000), rate('memory', 'T4', 24_110, 2000, 32 * 1024), rate('gpu', 'T4', 1_447_000, 2000, 1000)],
    ],
    ['a pay-as-you-go pod of exactly a discount spec bills at its rate', withItems({ discounts: [discount] }), cpuPod(2000, 4096), [rate('cpu', 'intel', 33_340, 8000, 2000), rate('memory', 'intel', 13_890, 8000, 4096)]],
    ['a pod of another memory size gets no discount', withItems({ discounts: [discount] }), cpuPod(2000, 5120), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 2000), rate('memory', 'intel', 13_890, FULL_RATE_BP, 5120)]],
    ['a pod of another CPU size gets no discount', withItems({ discounts: [discount] }), cpuPod(1000, 4096), [rate('cpu', 'intel', 33_340, FULL_RATE_BP, 1000), rate('memory', 'intel', 13_890, FULL_RATE_BP, 4096)]],
    ['a pod of another CPU type gets no discount', withItems({ discounts: [discount] }), cpuPod(2000, 4096, { cpuType: 'amd' }), [rate('cpu', 'amd', 15_280, FULL_RATE_BP, 2000), rate('memory', 'amd', 8_890, FULL_RATE_BP, 4096)]],
    ['a pod without a CPU type matches an intel discount', withItems({ discounts: [discount] }), cpuPod(2000, 4096, { cpuType: null }), [rate('cpu', 'intel', 33_340, 8000, 2000), rate('memory', 'intel', 13_890, 8000, 4096)]],
    ['a spot pod matching a discount above the spot rate bills at the spot rate', withItems({ discounts: [discount] }), cpuPod(2000, 4096, { spot: true }), [rate('cpu', 'intel', 33_340, 2000, 2000), rate('memory', 'intel', 13_890, 2000, 4096)]],
    ['a spot pod matching a discount below the spot rate bills at the discount rate', withItems({ discounts: [deep] }), cpuPod(2000, 4096, { spot: true }), [rate('cpu', 'intel', 33_340, 1500, 2000), rate('memory', 'intel', 13_890, 1500, 4096)]],
    [
      'a GPU pod gets no small-spec discount even when its CPU and memory match one',
      withItems({ discounts: [{ cpuType: 'intel', cpuMilli: 4000, memoryMi: 20 * 1024, rateBp: 5000 }] }),
      gpuPod('T4', 250, 4000, 20 * 1024, { cpuType: 'intel' }),
      [rate('cpu', 'T4', 24_110, FULL_RATE_BP, 4000), rate('memory', 'T4', 24_110, FULL_RATE_BP, 20 * 1024), rate('gpu', 'T4', 1_447_000, FULL_RATE_BP, 250)],
    ],
  ])('%s', (_name, items, spec, want) => {
    expect(ratesOf(items, spec)).toEqual(want);
  });

  it.each<[string, PriceItems, BilledSpec, string]>([
    ['a CPU type without a CPU price', CNY, cpuPod(1000, 2048, { cpuType: 'arm' }), 'no cpu price for cpu type "arm"'],
    ['a CPU type without a memory price', withItems({ cpu: { ...CNY.cpu, arm: 1 } }), cpuPod(1000, 2048, { cpuType: 'arm' }), 'no memory price for cpu type "arm"'],
    ['a CPU type named like an Object property', CNY, cpuPod(1000, 2048, { cpuType: 'constructor' }), 'no cpu price for cpu type "constructor"'],
    ['a GPU model without prices', CNY, gpuPod('A100', 1000, 8000, 40 * 1024), 'no prices for GPU model "A100"'],
    ['a GPU model without a card price', withItems({ gpu: { T4: { cpu: 1, memory: 1 } as PriceItems['gpu'][string] } }), gpuPod('T4', 1000, 8000, 32 * 1024), 'no card price for GPU model "T4"'],
  ])('throws MissingPriceError for %s', (_name, items, spec, message) => {
    expect(() => ratesOf(items, spec)).toThrow(MissingPriceError);
    expect(() => ratesOf(items, spec)).toThrow(message);
  });

  it('names the missing resource and kind on the error', () => {
    const err = (() => {
      try {
        ratesOf(CNY, cpuPod(1000, 2048, { cpuType: 'arm' }));
      } catch (e) {
        return e;
      }
    })() as MissingPriceError;
    expect(err).toBeInstanceOf(Error);
    expect([err.name, err.resource, err.kind]).toEqual(['MissingPriceError', 'cpu', 'arm']);
  });
});

describe('billed amounts of rates', () => {
  it('bills a 2C/4GiB spot pod for an hour at 20 % of the price', () => {
    const lines = lineAmounts(ratesOf(CNY, cpuPod(2000, 4096, { spot: true })), 3600);
    // Full price: CPU 2 × 3600 = 7200 core-s × 0.00003334 = 0.240048; memory 4 × 3600 = 14_400 GiB-s × 0.00001389 = 0.200016.
    // At 20 %: CPU 0.0480096 → 0.048010, memory 0.0400032 → 0.040003.
    expect(lines).toEqual([48_010n, 40_003n]);
    expect(lineAmounts(ratesOf(CNY, cpuPod(2000, 4096)), 3600)).toEqual([240_048n, 200_016n]);
  });

  it('bills a 1/4 T4 slice for an hour a quarter of a T4 card-hour plus 4C/20GiB at T4 pod prices', () => {
    const lines = lineAmounts(ratesOf(CNY, gpuPod('T4', 250, 4000, 20 * 1024)), 3600);
    // CPU: 4 × 3600 = 14_400 core-s × 0.00002411 = 0.347184.
    // Memory: 20 × 3600 = 72_000 GiB-s × 0.00002411 = 1.735920.
    // GPU: 250 × 3600 = 900_000 milli-card-s = 900 card-s × 0.001447 = 1.302300 (a card-hour is 5.209200).
    expect(lines).toEqual([347_184n, 1_735_920n, 1_302_300n]);
    expect(lineAmounts(ratesOf(CNY, gpuPod('T4', 1000, 8000, 32 * 1024)), 3600)[2]).toBe(5_209_200n);
  });

  it('bills a V100 pod (8C/40GiB, 1 card) for an hour', () => {
    const lines = lineAmounts(ratesOf(CNY, gpuPod('V100', 1000, 8000, 40 * 1024)), 3600);
    // CPU: 8 × 3600 = 28_800 core-s × 0.00005778 = 1.664064.
    // Memory: 40 × 3600 = 144_000 GiB-s × 0.00003389 = 4.880160.
    // GPU: 3600 card-s × 0.003193 = 11.494800.
    expect(lines).toEqual([1_664_064n, 4_880_160n, 11_494_800n]);
  });

  it('bills a discounted spec at its rate and the next memory size at the full price', () => {
    const items = withItems({ discounts: [{ cpuType: 'intel', cpuMilli: 2000, memoryMi: 4096, rateBp: 8000 }] });
    // 80 % of 0.240048 = 0.1920384 → 0.192038; 80 % of 0.200016 = 0.1600128 → 0.160013.
    expect(lineAmounts(ratesOf(items, cpuPod(2000, 4096)), 3600)).toEqual([192_038n, 160_013n]);
    // 5 GiB: 18_000 GiB-s × 0.00001389 = 0.250020, undiscounted.
    expect(lineAmounts(ratesOf(items, cpuPod(2000, 5120)), 3600)).toEqual([240_048n, 250_020n]);
  });
});

describe('costNano', () => {
  it.each<[string, BilledSpec, number | bigint, bigint]>([
    // 1200 core-s × 33_340 + 2400 GiB-s × 13_890 nano = 40_008_000 + 33_336_000.
    ['2C/4GiB for 600 s at CNY', cpuPod(2000, 4096), 600, 73_344_000n],
    ['the same given the seconds as a bigint', cpuPod(2000, 4096), 600n, 73_344_000n],
    ['nothing for no time', cpuPod(2000, 4096), 0, 0n],
    // 0.25 core-s × 33_340 = 8_335; 0.5 GiB-s × 13_890 = 6_945.
    ['a 0.25C/0.5GiB pod for one second, to the nano-unit', cpuPod(250, 512), 1, 15_280n],
    // A negative adjustment mirrors the positive amount.
    ['a negative adjustment', cpuPod(2000, 4096), -600, -73_344_000n],
  ])('estimates %s', (_name, spec, seconds, want) => {
    expect(costNano(ratesOf(CNY, spec), seconds)).toBe(want);
  });

  it('rounds each rate to the nano-unit, not to the micro-unit', () => {
    // USD 2C/4GiB for 1 s: CPU 2 core-s × 4976 = 9952; memory 4 GiB-s × 2073 = 8292.
    const rates = ratesOf(USD, cpuPod(2000, 4096));
    expect(costNano(rates, 1)).toBe(9_952n + 8_292n);
    expect(costNano(rates, 1)).toBe(sum(rates.map((r) => amountNano(BigInt(r.perSecond), r.unitPriceNano, r.rateBp, r.resource))));
  });

  it('rejects a fractional number of seconds', () => {
    expect(() => costNano(ratesOf(CNY, cpuPod(2000, 4096)), 1.5)).toThrow(RangeError);
  });
});

describe('quote', () => {
  it('quotes 3 replicas of 4C/8GiB for 2 hours at CNY', () => {
    const q = quote(CNY, cpuPod(4000, 8192), 3, 2);
    // CPU: 4000 m × 3600 × 3 × 2 = 86_400_000 milli-core-s = 86_400 core-s × 0.00003334 = 2.880576.
    // Memory: 8192 Mi × 3600 × 3 × 2 = 176_947_200 MiB-s = 172_800 GiB-s × 0.00001389 = 2.400192.
    // Total 5.280768; one pod-hour: 0.480096 + 0.400032 = 0.880128; one hour of 3 pods: 2.640384.
    expect(q.lines).toEqual([
      { resource: 'cpu', kind: 'intel', quantity: 86_400_000n, unitPriceNano: 33_340, rateBp: FULL_RATE_BP, amountMicro: 2_880_576n },
      { resource: 'memory', kind: 'intel', quantity: 176_947_200n, unitPriceNano: 13_890, rateBp: FULL_RATE_BP, amountMicro: 2_400_192n },
    ]);
    expect(q.totalMicro).toBe(5_280_768n);
    expect(q.perPodHourMicro).toBe(880_128n);
    expect(q.perHourMicro).toBe(2_640_384n);
    expect(q.rates).toEqual(ratesOf(CNY, cpuPod(4000, 8192)));
  });

  it('rounds once per line, so the total may differ from hours × the rounded hourly amount', () => {
    // USD 2C/4GiB, 1 replica: an hour is CPU 7200 core-s × 4976 = 35_827.2 µ → 35_827 and memory
    // 14_400 GiB-s × 2073 = 29_851.2 µ → 29_851 (65_678); 5 hours: 179_136 + 149_256 = 328_392 (not 5 × 65_678 = 328_390).
    const q = quote(USD, cpuPod(2000, 4096), 1, 5);
    expect(q.perHourMicro).toBe(65_678n);
    expect(q.lines.map((l) => l.amountMicro)).toEqual([179_136n, 149_256n]);
    expect(q.totalMicro).toBe(328_392n);
  });

  it('quotes a 1/4 T4 slice with a GPU line', () => {
    const q = quote(CNY, gpuPod('T4', 250, 4000, 20 * 1024), 2, 1);
    expect(q.lines.map((l) => [l.resource, l.kind, l.quantity, l.amountMicro])).toEqual([
      ['cpu', 'T4', 28_800_000n, 694_368n],
      ['memory', 'T4', 147_456_000n, 3_471_840n],
      ['gpu', 'T4', 1_800_000n, 2_604_600n],
    ]);
    expect(q.perPodHourMicro).toBe(347_184n + 1_735_920n + 1_302_300n);
  });

  it('quotes nothing for no replicas or no hours', () => {
    for (const [replicas, hours] of [[0, 5], [3, 0]]) {
      const q = quote(CNY, cpuPod(4000, 8192), replicas, hours);
      expect(q.totalMicro).toBe(0n);
      expect(q.lines.map((l) => l.quantity)).toEqual([0n, 0n]);
    }
  });

  it.each([
    ['negative replicas', -1, 1],
    ['fractional replicas', 1.5, 1],
    ['negative hours', 1, -2],
    ['fractional hours', 1, 0.5],
    ['NaN hours', 1, Number.NaN],
  ])('throws a RangeError for %s', (_name, replicas, hours) => {
    expect(() => quote(CNY, cpuPod(4000, 8192), replicas, hours)).toThrow(RangeError);
  });

  it('throws MissingPriceError for a spec the catalog cannot price', () => {
    expect(() => quote(CNY, gpuPod('A100', 1000, 8000, 40 * 1024), 1, 1)).toThrow(MissingPriceError);
  });
});

describe('validatePriceItems', () => {
  const need = { cpuTypes: ['intel', 'amd'], gpuModels: ['V100', 'T4'] };
  const okDiscount = { cpuType: 'intel', cpuMilli: 2000, memoryMi: 4096, rateBp: 8000 };
  type Case = [string, PriceItems, { cpuTypes: string[]; gpuModels: string[] }, { field: string[]; code: string }[]];

  it.each<Case>([
    ['accepts the defaults with a valid discount', withItems({ discounts: [okDiscount] }), need, []],
    ['accepts zero prices and a zero spot rate', withItems({ cpu: { intel: 0, amd: 0 }, spotRateBp: 0 }), need, []],
    ['accepts a catalog without GPU prices when no GPU model is needed', withItems({ gpu: {} }), { cpuTypes: ['intel', 'amd'], gpuModels: [] }, []],
    ['rejects a negative CPU price', withItems({ cpu: { intel: -1, amd: 15_280 } }), need, [{ field: ['items', 'cpu', 'intel'], code: 'INVALID_PRICE' }]],
    ['rejects a fractional memory price', withItems({ memory: { intel: 13_890, amd: 8.5 } }), need, [{ field: ['items', 'memory', 'amd'], code: 'INVALID_PRICE' }]],
    ['rejects an unsafe integer price', withItems({ cpu: { intel: 2 ** 53, amd: 15_280 } }), need, [{ field: ['items', 'cpu', 'intel'], code: 'INVALID_PRICE' }]],
    ['rejects a price given as a string', withItems({ cpu: { intel: '33340' as unknown as number, amd: 15_280 } }), need, [{ field: ['items', 'cpu', 'intel'], code: 'INVALID_PRICE' }]],
    [
      'rejects an invalid GPU card price',
      withItems({ gpu: { ...CNY.gpu, V100: { card: -5, cpu: 57_780, memory: 33_890 } } }),
      need,
      [{ field: ['items', 'gpu', 'V100', 'card'], code: 'INVALID_PRICE' }],
    ],
    ['rejects a needed CPU type without CPU or memory prices', CNY, { cpuTypes: ['intel', 'arm'], gpuModels: [] }, [
      { field: ['items', 'cpu', 'arm'], code: 'MISSING_PRICE' },
      { field: ['items', 'memory', 'arm'], code: 'MISSING_PRICE' },
    ]],
    ['rejects a CPU type priced for CPU but not for memory', withItems({ cpu: { ...CNY.cpu, arm: 10_000 } }), need, [{ field: ['items', 'memory', 'arm'], code: 'MISSING_PRICE' }]],
    ['rejects a needed GPU model without prices', CNY, { cpuTypes: [], gpuModels: ['A100'] }, [{ field: ['items', 'gpu', 'A100'], code: 'MISSING_PRICE' }]],
    [
      'rejects a GPU model without a memory price',
      withItems({ gpu: { ...CNY.gpu, T4: { card: 1_447_000, cpu: 24_110 } as PriceItems['gpu'][string] } }),
      need,
      [{ field: ['items', 'gpu', 'T4', 'memory'], code: 'MISSING_PRICE' }],
    ],
    ['rejects a spot rate above 10000', withItems({ spotRateBp: 10_001 }), need, [{ field: ['items', 'spotRateBp'], code: 'INVALID_RATE' }]],
    ['rejects a negative spot rate', withItems({ spotRateBp: -1 }), need, [{ field: ['items', 'spotRateBp'], code: 'INVALID_RATE' }]],
    ['rejects a fractional spot rate', withItems({ spotRateBp: 20.5 }), need, [{ field: ['items', 'spotRateBp'], code: 'INVALID_RATE' }]],
    ['rejects a discount for an unpriced CPU type', withItems({ discounts: [{ ...okDiscount, cpuType: 'arm' }] }), need, [{ field: ['items', 'discounts', '0', 'cpuType'], code: 'UNSUPPORTED_CPU_TYPE' }]],
    ['rejects a discount with zero CPU', withItems({ discounts: [{ ...okDiscount, cpuMilli: 0 }] }), need, [{ field: ['items', 'discounts', '0', 'cpuMilli'], code: 'INVALID_VALUE' }]],
    ['rejects a discount with fractional memory', withItems({ discounts: [{ ...okDiscount, memoryMi: 4096.5 }] }), need, [{ field: ['items', 'discounts', '0', 'memoryMi'], code: 'INVALID_VALUE' }]],
    ['rejects a discount rate of 0', withItems({ discounts: [{ ...okDiscount, rateBp: 0 }] }), need, [{ field: ['items', 'discounts', '0', 'rateBp'], code: 'INVALID_RATE' }]],
    ['rejects a discount rate above 10000', withItems({ discounts: [{ ...okDiscount, rateBp: 10_001 }] }), need, [{ field: ['items', 'discounts', '0', 'rateBp'], code: 'INVALID_RATE' }]],
    ['accepts a discount rate of 1 and one of 10000', withItems({ discounts: [{ ...okDiscount, rateBp: 1 }, { ...okDiscount, memoryMi: 8192, rateBp: 10_000 }] }), need, []],
    [
      'rejects two discounts for the same spec, even at different rates',
      withItems({ discounts: [okDiscount, { ...okDiscount, cpuType: 'amd' }, { ...okDiscount, rateBp: 5000 }] }),
      need,
      [{ field: ['items', 'discounts', '2'], code: 'DUPLICATE_DISCOUNT' }],
    ],
  ])('%s', (_name, items, needed, want) => {
    expect(validatePriceItems(items, needed).map(({ field, code }) => ({ field, code }))).toEqual(want);
  });

  it('writes messages a user can act on', () => {
    const items = withItems({
      cpu: { intel: -1, amd: 15_280 },
      spotRateBp: 10_001,
      discounts: [okDiscount, { ...okDiscount, cpuType: 'arm', cpuMilli: 0, rateBp: 0 }, okDiscount],
    });
    const messages = validatePriceItems(items, { cpuTypes: ['intel'], gpuModels: ['A100'] }).map((e) => [e.code, e.message]);
    expect(messages).toEqual([
      ['INVALID_PRICE', 'The cpu price of CPU type "intel" must be a whole, non-negative number of nano-units per unit-second (0.00003334 per second is 33340); got -1.'],
      ['MISSING_PRICE', 'GPU model "A100" has no prices: add its card, CPU and memory prices.'],
      ['INVALID_RATE', 'The spot rate must be a whole number of basis points from 0 to 10000 (2000 is 20 % of the price); got 10001.'],
      ['UNSUPPORTED_CPU_TYPE', 'Discount 2 is for CPU type "arm", which has no CPU price: use one of "intel", "amd".'],
      ['INVALID_VALUE', "Discount 2's CPU must be a whole, positive number of milli-cores (2 cores is 2000); got 0."],
      ['INVALID_RATE', "Discount 2's rate must be a whole number of basis points from 1 to 10000 (8000 bills 80 % of the price); got 0."],
      ['DUPLICATE_DISCOUNT', 'Discount 3 is for the same spec as discount 1 (CPU type "intel", 2000 milli-cores, 4096 MiB): keep one of them.'],
    ]);
  });

  it('reports a missing price of a needed CPU type as a sentence naming it', () => {
    expect(validatePriceItems(CNY, { cpuTypes: ['arm'], gpuModels: [] }).map((e) => e.message)).toEqual([
      'CPU type "arm" has no cpu price: add one.',
      'CPU type "arm" has no memory price: add one.',
    ]);
  });
});

describe('versionAt', () => {
  const v = (id: string, region: string, effectiveFrom: number): PriceVersion => ({ id, region, currency: 'CNY', effectiveFrom, items: CNY });
  const H = 3_600_000;
  const versions = [
    v('gz-0', 'ap-guangzhou', 0),
    v('sh-0', 'ap-shanghai', 0),
    v('gz-10', 'ap-guangzhou', 10 * H),
    v('gz-5', 'ap-guangzhou', 5 * H),
    v('sh-7', 'ap-shanghai', 7 * H),
    v('gz-10-fix', 'ap-guangzhou', 10 * H),
    v('bj-3', 'ap-beijing', 3 * H),
  ];

  it.each<[string, string, number, string | null]>([
    ['the first version at its start', 'ap-guangzhou', 0, 'gz-0'],
    ['the first version just before the next begins', 'ap-guangzhou', 5 * H - 1, 'gz-0'],
    ['a version listed out of order once it applies', 'ap-guangzhou', 5 * H, 'gz-5'],
    ['the later of two versions from the same hour', 'ap-guangzhou', 10 * H, 'gz-10-fix'],
    ['the latest version long after it began', 'ap-guangzhou', 1000 * H, 'gz-10-fix'],
    ["another region's own versions only", 'ap-shanghai', 9 * H, 'sh-7'],
    ['another region before its change', 'ap-shanghai', 6 * H, 'sh-0'],
    ['no version before a region has any', 'ap-beijing', 2 * H, null],
    ['no version for an unknown region', 'na-ashburn', 10 * H, null],
  ])('finds %s', (_name, region, at, want) => {
    expect(versionAt(versions, region, at)?.id ?? null).toBe(want);
  });

  it('finds nothing in an empty list', () => {
    expect(versionAt([], 'ap-guangzhou', 0)).toBeNull();
  });
});
