import { loadConfig } from '../config';
import { startApp, stopOnSignals } from './app';

const config = loadConfig();
if (!config.databaseUrl || !config.redisUrl) {
  console.error('npm run worker needs DATABASE_URL and REDIS_URL (separate api and worker processes share PostgreSQL and Redis); use npm start for the embedded mode');
  process.exit(2);
}
const app = await startApp(config, { api: false, worker: true });
stopOnSignals(app);
console.log(`nodeless worker running (concurrency ${config.workerConcurrency})${app.ops ? `; metrics on http://localhost:${app.ops.port}/metrics` : ''}`);
