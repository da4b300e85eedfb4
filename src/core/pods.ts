/**
 * Pure pod rules: generated names and template hashes. (Which pods go first on scale-down is the
 * ReplicaSet controller's: core/workloads/replicaset.ts.)
 */

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Canonical JSON: object keys sorted, so equal templates hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** 32-bit FNV-1a over UTF-16 code units. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Encodes a number with the alphabet Kubernetes uses for generated names (no vowels). */
export function safeEncode(n: number): string {
  let out = '';
  let x = n >>> 0;
  do {
    out = SAFE_ALPHABET[x % SAFE_ALPHABET.length] + out;
    x = Math.floor(x / SAFE_ALPHABET.length);
  } while (x > 0);
  return out;
}

/** The `pod-template-hash` of a pod template (stable across key order). */
export function podTemplateHash(template: unknown): string {
  return safeEncode(fnv1a32(canonicalJson(template)));
}

/** Turns random 32-bit integers into a 5-character suffix, as `generateName` does. */
export function nameSuffix(randomInts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SAFE_ALPHABET[(randomInts[i] >>> 0) % SAFE_ALPHABET.length];
  return s;
}

/** A `generateName` result: the prefix (e.g. `web-5d9f-`, `pi-`) and a suffix, within 63 characters. */
export function generatedName(prefix: string, suffix: string): string {
  // Pod names are DNS subdomains (≤ 253); keep the prefix short enough for the 63-char hostname.
  return `${prefix.slice(0, 63 - suffix.length)}${suffix}`;
}
