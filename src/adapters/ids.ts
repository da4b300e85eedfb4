import { randomUUID, randomBytes } from 'node:crypto';
import type { Ids } from '../ports/ids';

export const randomIds: Ids = {
  uuid: () => randomUUID(),
  randomInts(n) {
    const b = randomBytes(4 * n);
    return Array.from({ length: n }, (_, i) => b.readUInt32LE(4 * i));
  },
};
