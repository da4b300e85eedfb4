/**
 * The filter for "rows after (or before) this key" in lexicographic order of `fields`:
 * (a > x) OR (a = x AND b > y) OR … — what a keyset cursor over a compound sort order needs,
 * in the shape every Prisma delegate's `where` takes.
 */
export function keysetWhere(fields: readonly string[], values: readonly unknown[], op: 'gt' | 'lt'): { OR: Record<string, unknown>[] } {
  return {
    OR: fields.map((f, i) => {
      const clause: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) clause[fields[j]] = values[j];
      clause[f] = { [op]: values[i] };
      return clause;
    }),
  };
}
