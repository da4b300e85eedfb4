import { describe, expect, it } from 'vitest';
import { hasPostgres, hasRedis, servicesRequired } from './support/stack';

/** In CI (.ci/run sets NODELESS_REQUIRE_SERVICES=1) the real services are mandatory, not optional. */
describe.runIf(servicesRequired)('services mode in CI', () => {
  it('has DATABASE_URL and REDIS_URL, so the PostgreSQL and Redis suites run instead of skipping', () => {
    expect(hasPostgres).toBe(true);
    expect(hasRedis).toBe(true);
  });
});
