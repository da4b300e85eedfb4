// Writes schema.graphql from the code (npm run schema:print). A test checks they are equal.
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../src/graphql/schema';

writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema.graphql');
