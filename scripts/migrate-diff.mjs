// Writes the next SQL migration: diffs the schema snapshot of the newest migration (or an empty
// database) against prisma/schema.prisma with Prisma's schema engine compiled to WebAssembly
// (the native engine cannot be downloaded here; DESIGN.md §5). No database is needed.
//   npm run migrate:diff -- <migration_name>
// Creates prisma/migrations/<timestamp>_<name>/migration.sql and schema.prisma (the snapshot).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaEngine } from '@prisma/schema-engine-wasm';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) {
  console.error('usage: npm run migrate:diff -- <migration_name>');
  process.exit(2);
}
const dir = path.join(root, 'prisma/migrations');
mkdirSync(dir, { recursive: true });
const previous = readdirSync(dir).filter((d) => existsSync(path.join(dir, d, 'schema.prisma'))).sort().at(-1);
const schemaPath = path.join(root, 'prisma/schema.prisma');
const current = readFileSync(schemaPath, 'utf8');

const engine = await SchemaEngine.new({ datamodels: [[schemaPath, current]] }, () => {}, bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(new PGlite())));
const from = previous
  ? { tag: 'schemaDatamodel', files: [{ path: 'previous.prisma', content: readFileSync(path.join(dir, previous, 'schema.prisma'), 'utf8') }] }
  : { tag: 'empty' };
const to = { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: current }] };
let sql = '';
const captured = await engine.diff({ from, to, script: true, exitCode: null, shadowDatabaseUrl: null, filters: { externalTables: [], externalEnums: [] } });
sql = captured.stdout ?? '';
if (!sql.trim() || /This is an empty migration/.test(sql)) {
  console.log('schema unchanged: no migration written');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const out = path.join(dir, `${stamp}_${name}`);
mkdirSync(out);
writeFileSync(path.join(out, 'migration.sql'), sql);
writeFileSync(path.join(out, 'schema.prisma'), current);
console.log(`wrote ${path.relative(root, out)}/migration.sql`);
