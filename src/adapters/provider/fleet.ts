import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Fleet } from '../../ports/provider';

/** The default simulated fleet: a few regions modelled on Tencent Cloud's, three zones each. */
export const defaultFleet: Fleet = {
  regions: [
    { name: 'ap-guangzhou', zones: [{ name: 'ap-guangzhou-3', hosts: 400 }, { name: 'ap-guangzhou-4', hosts: 400 }, { name: 'ap-guangzhou-6', hosts: 400 }] },
    { name: 'ap-shanghai', zones: [{ name: 'ap-shanghai-2', hosts: 300 }, { name: 'ap-shanghai-4', hosts: 300 }, { name: 'ap-shanghai-5', hosts: 300 }] },
    { name: 'na-ashburn', zones: [{ name: 'na-ashburn-1', hosts: 300 }, { name: 'na-ashburn-2', hosts: 300 }] },
  ],
};

const fleetSchema = z.object({
  regions: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9-]+$/),
        zones: z.array(z.object({ name: z.string().regex(/^[a-z0-9-]+$/), hosts: z.number().int().positive() })).min(1),
      }),
    )
    .min(1),
});

/** Reads a fleet file (JSON with the shape of `defaultFleet`). */
export function loadFleet(file: string | undefined): Fleet {
  if (!file) return defaultFleet;
  return fleetSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
