import { loadConfig } from '../config';
import { startApp, stopOnSignals } from './app';

const config = loadConfig();
if (!config.databaseUrl || !config.redisUrl) {
  console.error('npm run api needs DATABASE_URL and REDIS_URL (separate api and worker processes share PostgreSQL and Redis); use npm start for the embedded mode');
  process.exit(2);
}
const app = await startApp(config, { api: true, worker: false });
stopOnSignals(app);
console.log(`nodeless api listening on ${app.api!.url}`);
if (!config.operatorToken) console.log(`operator token for this process only (set NODELESS_OPERATOR_TOKEN to share one): ${app.runtime.svc.settings.operatorToken}`);
