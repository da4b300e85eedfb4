import type { Region } from '../../ports/provider';
import { builder } from '../builder';

const ZoneRef = builder.objectRef<{ name: string }>('Zone').implement({
  fields: (t) => ({ name: t.exposeString('name', { description: 'The value of topology.kubernetes.io/zone on its hosts.' }) }),
});

export const RegionRef = builder.objectRef<Region>('Region').implement({
  description: 'A region of the fleet, where clusters can be created.',
  fields: (t) => ({
    name: t.exposeString('name'),
    zones: t.field({ type: [ZoneRef], resolve: (r) => r.zones.map((z) => ({ name: z.name })) }),
  }),
});

builder.queryField('regions', (t) =>
  t.field({ type: [RegionRef], description: 'Regions and zones available for clusters.', resolve: (_, __, ctx) => ctx.svc.fleet.regions }),
);
