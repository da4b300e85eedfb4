// Generates the Prisma client into src/generated/prisma when prisma/schema.prisma changed since
// the last generation (hash stamp), so `npm start` / `npm test` work right after `npm install`.
// The Prisma CLI wants a schema-engine binary it cannot download here; `generate` does not run
// it, so we point PRISMA_SCHEMA_ENGINE_BINARY at an existing file (see DESIGN.md §5).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const schema = readFileSync(path.join(root, 'prisma/schema.prisma'));
const pkg = readFileSync(path.join(root, 'node_modules/@prisma/client/package.json'));
const hash = createHash('sha256').update(schema).update(pkg).digest('hex');
const stamp = path.join(root, 'src/generated/prisma/.schema-hash');
if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) process.exit(0);

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
const res = spawnSync(process.execPath, [path.join(root, 'node_modules/prisma/build/index.js'), 'generate'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
if (res.status !== 0) {
  process.stdout.write(res.stdout);
  process.stderr.write(res.stderr);
  console.error('prisma generate failed');
  process.exit(res.status ?? 1);
}
writeFileSync(stamp, hash);
