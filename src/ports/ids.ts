/** Identifier and randomness source (injected so tests can make names deterministic). */
export interface Ids {
  uuid(): string;
  /** `n` random unsigned 32-bit integers. */
  randomInts(n: number): number[];
}
