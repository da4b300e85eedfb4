import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseQuantity, toMilliCeil, toUnitsCeil, BYTES_PER_MI } from '../../core/quantity';
import type { Fleet, HostGroup } from '../../core/fleet';

/** The default fleet file (also the documented example of the format). */
export const DEFAULT_FLEET_FILE = fileURLToPath(new URL('./default-fleet.yaml', import.meta.url));

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'must be lower-case letters, digits and dashes');
const cpu = z.union([z.number().positive(), z.string()]).transform((v, ctx) => {
  const q = parseQuantity(String(v));
  const milli = q ? Number(toMilliCeil(q)) : 0;
  if (!q || milli <= 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not a CPU quantity (e.g. 96 or "95500m")` });
  return milli;
});
const memory = z.string().transform((v, ctx) => {
  const q = parseQuantity(v);
  const mi = q ? Number(toUnitsCeil(q) / BYTES_PER_MI) : 0;
  if (!q || mi <= 0) ctx.addIssue({ code: 'custom', message: `"${v}" is not a memory quantity (e.g. "384Gi")` });
  return mi;
});
const taint = z.object({ key: z.string().min(1), value: z.string().default(''), effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']) }).strict();
const SLICES = { '1': 1000, '1/2': 500, '1/4': 250 } as const;
const group = z
  .object({
    name,
    count: z.number().int().min(0),
    cpu,
    memory,
    maxPods: z.number().int().positive().default(256),
    cpuType: z.enum(['intel', 'amd']),
    pool: z.enum(['regular', 'spot']).default('regular'),
    gpu: z
      .object({ model: z.enum(['V100', 'T4']), cards: z.number().int().positive(), slice: z.enum(['1', '1/2', '1/4']).default('1') })
      .strict()
      .optional(),
    labels: z.record(z.string(), z.string()).default({}),
    taints: z.array(taint).default([]),
  })
  .strict()
  .transform(
    (g): HostGroup => ({
      name: g.name,
      count: g.count,
      cpuMilli: g.cpu,
      memoryMi: g.memory,
      maxPods: g.maxPods,
      cpuType: g.cpuType,
      pool: g.pool,
      gpu: g.gpu ? { model: g.gpu.model, cards: g.gpu.cards, sliceMilli: SLICES[g.gpu.slice] } : null,
      labels: g.labels,
      taints: g.taints,
    }),
  );
const fleetSchema = z
  .object({
    regions: z
      .array(
        z
          .object({
            name,
            currency: z.enum(['CNY', 'USD']).default('CNY'),
            hostGroups: z.array(group).optional(),
            zones: z.array(z.object({ name, hostGroups: z.array(group).optional() }).strict()).min(1),
          })
          .strict(),
      )
      .min(1),
  })
  // YAML anchors are declared under x-… keys
  .catchall(z.unknown())
  .transform((f, ctx): Fleet => {
    const regions = f.regions.map((r) => ({
      name: r.name,
      currency: r.currency,
      zones: r.zones.map((zn) => {
        const hostGroups = zn.hostGroups ?? r.hostGroups;
        if (!hostGroups) ctx.addIssue({ code: 'custom', message: `zone ${zn.name} has no hostGroups (and region ${r.name} none to inherit)` });
        return { name: zn.name, hostGroups: hostGroups ?? [] };
      }),
    }));
    const seen = new Set<string>();
    for (const r of regions) for (const zn of r.zones) {
      if (seen.has(zn.name)) ctx.addIssue({ code: 'custom', message: `zone ${zn.name} is defined twice` });
      seen.add(zn.name);
      const groups = new Set<string>();
      for (const g of zn.hostGroups) {
        if (groups.has(g.name)) ctx.addIssue({ code: 'custom', message: `host group ${g.name} is defined twice in zone ${zn.name}` });
        groups.add(g.name);
      }
    }
    return { regions };
  });

/** Parses fleet text (YAML or JSON). Throws with every problem listed. */
export function parseFleet(text: string, source = 'fleet file'): Fleet {
  const parsed = fleetSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top)'}: ${i.message}`).join('\n');
    throw new Error(`invalid ${source}:\n${lines}`);
  }
  return parsed.data;
}

export interface LoadedFleet {
  fleet: Fleet;
  /** Hash of the file's content: the host table is re-synchronised when it changes. */
  hash: string;
}

/** Reads the fleet file (the default one when none is given). */
export function loadFleet(file: string | undefined): LoadedFleet {
  const path = file ?? DEFAULT_FLEET_FILE;
  const text = readFileSync(path, 'utf8');
  return { fleet: parseFleet(text, path), hash: createHash('sha256').update(text).digest('hex') };
}

/** The default fleet. */
export const defaultFleet: Fleet = loadFleet(undefined).fleet;
