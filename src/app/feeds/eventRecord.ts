import type { Event } from '../../generated/prisma/client';
import type { EventRecord } from '../../adapters/prisma/objects';

/** A stored event as streams carry it (dates as ISO strings, like a bus message). */
export function eventRecord(e: Event): EventRecord {
  const { eventTime, ...rest } = e;
  return { ...rest, type: e.type as EventRecord['type'], object: e.object as unknown as EventRecord['object'], createdAt: e.createdAt.toISOString(), ...(eventTime ? { eventTime: eventTime.toISOString() } : {}) };
}
