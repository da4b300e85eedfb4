/**
 * Kubernetes resource quantities ("250m", "1.5", "512Mi", "2Gi", "1e3"), kept as exact
 * rationals so nothing is lost to floating point before a billing decision is made.
 *
 * Pure: no I/O, no clock, no randomness.
 */

/** An exact rational number `num / den`, with `den > 0` and `den` a power of 10. */
export interface Quantity {
  num: bigint;
  den: bigint;
}

export const ZERO: Quantity = Object.freeze({ num: 0n, den: 1n });

const KI = 1024n;
const BINARY_SUFFIXES: Record<string, bigint> = {
  Ki: KI,
  Mi: KI ** 2n,
  Gi: KI ** 3n,
  Ti: KI ** 4n,
  Pi: KI ** 5n,
  Ei: KI ** 6n,
};

/** Decimal suffixes as powers of ten. The empty suffix is handled by the grammar itself. */
const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/**
 * sign? mantissa (suffix)?
 * mantissa: "1", "1.5", ".5", "5."
 * suffix: one binary suffix, one decimal SI suffix, or a decimal exponent ("e3", "E-2", "e+21").
 */
const QUANTITY_RE =
  /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

/**
 * Exponents beyond this are refused rather than expanded: "1e999999999" would otherwise
 * ask for a billion-digit bigint. Real resource amounts are nowhere near.
 */
const MAX_EXPONENT = 1000;
/** Same idea for absurdly long digit strings. */
const MAX_LENGTH = 1000;

/** Parses a Kubernetes quantity string. Returns null when the text is not a valid quantity. */
export function parseQuantity(s: string): Quantity | null {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_LENGTH) return null;
  const m = QUANTITY_RE.exec(s);
  if (!m) return null;
  const [, sign, intPart, fracAfterInt, fracOnly, binary, decimal, exponent] = m;
  const whole = intPart ?? '';
  const frac = fracOnly ?? fracAfterInt ?? '';

  let num = BigInt((whole + frac) || '0');
  let den = 10n ** BigInt(frac.length);

  let exp = 0;
  if (binary !== undefined) {
    num *= BINARY_SUFFIXES[binary];
  } else if (decimal !== undefined) {
    exp = DECIMAL_SUFFIXES[decimal];
  } else if (exponent !== undefined) {
    exp = Number(exponent);
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) return null;
  }
  if (exp > 0) num *= 10n ** BigInt(exp);
  else if (exp < 0) den *= 10n ** BigInt(-exp);

  if (sign === '-') num = -num;
  return normalize({ num, den });
}

/**
 * Parses a quantity as it may arrive from YAML: a string, or a finite JS number
 * (`cpu: 0.5`, `memory: 1e9`), which is read through its decimal string form.
 */
export function parseQuantityValue(v: unknown): Quantity | null {
  if (typeof v === 'string') return parseQuantity(v);
  if (typeof v === 'number' && Number.isFinite(v)) return parseQuantity(String(v));
  return null;
}

/** Removes common factors of ten so equal values have equal representations. */
function normalize(q: Quantity): Quantity {
  let { num, den } = q;
  if (num === 0n) return { num: 0n, den: 1n };
  while (den > 1n && num % 10n === 0n) {
    num /= 10n;
    den /= 10n;
  }
  return { num, den };
}

/** ceil(a / b) for b > 0. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  return a % b > 0n ? q + 1n : q;
}

/** ceil(q * 1000): the quantity in thousandths (millicores for CPU). */
export function toMilliCeil(q: Quantity): bigint {
  return ceilDiv(q.num * 1000n, q.den);
}

/** ceil(q): the quantity in whole units (bytes for memory). */
export function toUnitsCeil(q: Quantity): bigint {
  return ceilDiv(q.num, q.den);
}

export function isNegative(q: Quantity): boolean {
  return q.num < 0n;
}

export function isZero(q: Quantity): boolean {
  return q.num === 0n;
}

/** Exact comparison: negative when a < b, 0 when equal, positive when a > b. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantity(a: Quantity, b: Quantity): Quantity {
  if (a.den === b.den) return normalize({ num: a.num + b.num, den: a.den });
  const den = a.den > b.den ? a.den : b.den; // both powers of ten: the larger is a multiple of the smaller
  return normalize({ num: a.num * (den / a.den) + b.num * (den / b.den), den });
}

export function maxQuantity(a: Quantity, b: Quantity): Quantity {
  return compareQuantity(a, b) >= 0 ? a : b;
}

/** An exact quantity from an integer count of some unit (e.g. `fromInteger(512n * Mi)`). */
export function fromInteger(n: bigint | number): Quantity {
  return { num: BigInt(n), den: 1n };
}

/** An exact quantity from an integer count of thousandths (e.g. millicores). */
export function fromMilli(milli: bigint | number): Quantity {
  return normalize({ num: BigInt(milli), den: 1000n });
}

export const BYTES_PER_MI = 1024n * 1024n;

/** CPU millicores for display and for Kubernetes resources: 250 → "250m", 1000 → "1", 1500 → "1500m". */
export function formatCpuMilli(milli: number): string {
  if (milli % 1000 === 0) return String(milli / 1000);
  return `${milli}m`;
}

/** Memory in MiB for display and for Kubernetes resources: 512 → "512Mi", 2048 → "2Gi", 1536 → "1536Mi". */
export function formatMemoryMi(mi: number): string {
  if (mi === 0) return '0';
  if (mi % 1024 === 0) return `${mi / 1024}Gi`;
  return `${mi}Mi`;
}

/**
 * The largest quantity this service accepts: its value in thousandths must fit a signed 64-bit
 * integer (as Kubernetes' `MilliValue()`), which is how metric values, quotas and usage are stored
 * and computed (about 9.2e15: 8 PiB of memory or storage, 9.2 × 10^15 of a metric).
 */
export const MAX_QUANTITY_MILLI = 2n ** 63n - 1n;

/** Whether |q| in thousandths fits a signed 64-bit integer (see MAX_QUANTITY_MILLI). */
export function fitsQuantityLimit(q: Quantity): boolean {
  const abs = q.num < 0n ? { num: -q.num, den: q.den } : q;
  return toMilliCeil(abs) <= MAX_QUANTITY_MILLI;
}

/** The "Invalid value: …: <this>" detail for a quantity beyond MAX_QUANTITY_MILLI. */
export const QUANTITY_TOO_LARGE = 'must be no more than 9223372036854775807m (about 9.2e15): larger quantities cannot be stored';
