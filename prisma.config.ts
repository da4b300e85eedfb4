import { defineConfig } from 'prisma/config';

// Prisma 7 reads the connection from here only for CLI commands that talk to a database; the
// service itself connects through driver adapters (see src/adapters/prisma/client.ts).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
