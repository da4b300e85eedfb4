/** Time source. Everything time-dependent takes one, so tests can drive time by hand. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once `ms` milliseconds of this clock have passed. Returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void;
}
