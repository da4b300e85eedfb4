import { loadConfig } from '../config';
import { startApp, stopOnSignals } from './app';

const config = loadConfig();
const app = await startApp(config, { api: true, worker: true });
stopOnSignals(app);
const store = config.databaseUrl ? `PostgreSQL (${new URL(config.databaseUrl).host})` : `PGlite in ${config.dataDir}`;
const bus = config.redisUrl ? `Redis (${new URL(config.redisUrl).host})` : 'in-process';
console.log(`
Nodeless is running (api + worker in one process)
  store:   ${store}
  bus:     ${bus} bus and work queue

  GraphiQL:       ${app.api!.url}
  Subscriptions:  ${app.api!.wsUrl}  (graphql-ws; also SSE on the same URL)
  Operations:     ${app.api!.url.replace(/graphql$/, '')}metrics, /readyz, /healthz

Get an API token (${config.allowSignup ? 'sign-up is open' : 'sign-up is DISABLED: an operator creates accounts with provisionAccount, or set NODELESS_ALLOW_SIGNUP=true'}):
  curl -s ${app.api!.url} -H 'content-type: application/json' \\
    -d '{"query":"mutation { createAccount(input: {name: \\"me\\"}) { token account { id } } }"}'
then send it as the header  Authorization: Bearer <token>  (GraphiQL: Headers tab).

Operator token (the fleet query, spot reclaim): ${config.operatorToken ? 'the value of NODELESS_OPERATOR_TOKEN' : `${app.runtime.svc.settings.operatorToken}  (generated for this run; set NODELESS_OPERATOR_TOKEN to fix one)`}
`);
