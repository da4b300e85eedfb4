/** A pod event as the billing tests read it from the store. */
export interface PodEventRow {
  type: string;
  reason: string;
  involvedUid: string;
  involvedName: string;
  eventTime: Date | null;
  createdAt: Date;
}

export interface PodLifetime {
  name: string;
  /** Its first Pulling event (billing starts), by the source's clock; null: never pulled. */
  start: number | null;
  /** Its first Completed, Failed or DELETED event; null: not ended. */
  end: number | null;
  endReason: 'Completed' | 'Failed' | 'DELETED' | null;
}

/** Each pod's billed lifetime as its own events tell it (events in sequence order). */
export function podLifetimes(events: PodEventRow[]): Map<string, PodLifetime> {
  const life = new Map<string, PodLifetime>();
  for (const e of events) {
    const at = (e.eventTime ?? e.createdAt).getTime();
    const p = life.get(e.involvedUid) ?? { name: e.involvedName, start: null, end: null, endReason: null };
    life.set(e.involvedUid, p);
    if (e.reason === 'Pulling' && p.start === null) p.start = at;
    if (p.end === null && (e.reason === 'Completed' || e.reason === 'Failed' || e.type === 'DELETED')) {
      p.end = at;
      p.endReason = e.type === 'DELETED' ? 'DELETED' : (e.reason as 'Completed' | 'Failed');
    }
  }
  return life;
}
