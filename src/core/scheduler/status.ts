/**
 * Interned filter statuses: the filters run per host and must not allocate, so every distinct
 * (plugin, code, reasons) status is created once and shared (frozen: callers must not mutate).
 */
import type { Status, StatusCode } from './types';

const cache = new Map<string, Status>();

export function status(plugin: string, code: StatusCode, ...reasons: string[]): Status {
  const key = `${plugin}\u0000${code}\u0000${reasons.join('\u0001')}`;
  let s = cache.get(key);
  if (s === undefined) {
    s = Object.freeze({ code, reasons: Object.freeze(reasons.slice()) as string[], plugin });
    cache.set(key, s);
  }
  return s;
}

export function unschedulable(plugin: string, ...reasons: string[]): Status {
  return status(plugin, 'Unschedulable', ...reasons);
}

export function unresolvable(plugin: string, ...reasons: string[]): Status {
  return status(plugin, 'UnschedulableAndUnresolvable', ...reasons);
}

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;
