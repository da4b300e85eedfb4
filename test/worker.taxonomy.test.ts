import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/adapters/clock';
import type { Store } from '../src/adapters/prisma/client';
import { MemoryBus } from '../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { RedisBus } from '../src/adapters/redis/bus';
import { RedisWorkQueue } from '../src/adapters/redis/workqueue';
import { createAccount } from '../src/app/accounts';
import { createCluster } from '../src/app/clusters';
import { applyManifest } from '../src/app/manifests';
import { PermanentError } from '../src/app/errors';
import { keys } from '../src/app/topics';
import { parseWorkKey, RECONCILE_ERROR_REASON } from '../src/controllers';
import { buildRuntime, type Runtime } from '../src/main/compose';
import type { WorkQueue } from '../src/ports/workqueue';
import { failureReporter, startWorker, type Worker } from '../src/worker';
import { recordingLogger, type LogLine } from './support/log';
import { testConfig, testStore } from './support/stack';

/** What a recording logger said, as "<level> <message>" lines. */
const said = (log: { lines: LogLine[] }) => log.lines.map((l) => `${l.level} ${l.message ?? ''}`);

const STATEFULSET = (storage: string, replicas: number) => `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: www
  serviceName: nginx
  replicas: ${replicas}
  template:
    metadata:
      labels:
        app: www
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: ${storage}
`;

/**
 * The worker's error taxonomy end to end: one worker on a driven clock, with the in-process queue,
 * or with Redis when REDIS_URL is set.
 */
describe('the worker error taxonomy', () => {
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const log = recordingLogger();
  let store: Store;
  let rt: Runtime;
  let queue: WorkQueue;
  let worker: Worker;
  let accountId: string;
  let clusterId: string;

  const converge = async () => {
    for (let round = 0; round < 1000; round++) {
      await worker.idle();
      const { inFlight } = await queue.size();
      const next = await queue.nextDueAt();
      if (inFlight === 0 && (next === null || next > clock.now())) return;
    }
    throw new Error('did not converge');
  };

  beforeAll(async () => {
    store = await testStore();
    const name = `t-${randomBytes(4).toString('hex')}`;
    const redis = process.env.REDIS_URL;
    queue = redis ? await RedisWorkQueue.connect(redis, { name, clock }) : new MemoryWorkQueue(clock);
    const bus = redis ? await RedisBus.connect(redis, { prefix: `nodeless:${name}:` }) : new MemoryBus();
    rt = await buildRuntime(testConfig({ NODELESS_QUEUE_NAME: name }), { store, clock, queue, bus });
    worker = await startWorker(rt.svc, { concurrency: 2, resyncMs: 0, log });
    accountId = (await createAccount(rt.svc, { name: 'taxonomy' })).account!.id;
    clusterId = (await createCluster(rt.svc, accountId, { name: 'taxonomy', region: 'ap-guangzhou' })).cluster!.id;
    await converge();
  });
  afterAll(async () => {
    await worker?.stop();
    if (queue instanceof RedisWorkQueue) await queue.clear();
    await queue?.close();
    await rt?.svc.bus.close();
    await rt?.close();
    await store?.close();
  });

  it('a stored workload the controller cannot write (storage "1e30") gets one Warning event and one log line, and is not retried', async () => {
    const applied = await applyManifest(rt.svc, accountId, { clusterId, manifest: STATEFULSET('1Gi', 0) });
    expect(applied.userErrors).toEqual([]);
    await converge();
    const { id } = await store.prisma.workload.findFirstOrThrow({ where: { clusterId, name: 'web' } });
    // a row stored before apply refused such quantities
    const corrupt = async (storage: string) => {
      const w = await store.prisma.workload.findUniqueOrThrow({ where: { id } });
      const spec = w.spec as { replicas: number; volumeClaimTemplates: { spec: { resources: { requests: { storage: string } } } }[] };
      spec.replicas = 1;
      spec.volumeClaimTemplates[0].spec.resources.requests.storage = storage;
      await store.prisma.workload.update({ where: { id }, data: { spec, generation: { increment: 1 }, resourceVersion: { increment: 1 } } });
      await rt.svc.queue.add(keys.workload(id));
    };
    const warnings = () => store.prisma.event.findMany({ where: { clusterId, reason: RECONCILE_ERROR_REASON }, orderBy: { sequence: 'asc' } });
    const before = said(log).length;

    await corrupt('1e30');
    await converge();
    const [warning, ...more] = await warnings();
    expect(more).toEqual([]);
    expect(warning).toMatchObject({ eventType: 'Warning', involvedKind: 'StatefulSet', involvedName: 'web', type: 'MODIFIED' });
    expect(warning.message).toMatch(/^cannot be reconciled \(generation 2\), not retried until it changes: P2020\/22003: Value out of range for the type: value "1000000000000000000000000000000" is out of range for type bigint$/);
    const lines = said(log).slice(before);
    expect(lines).toEqual([`warn reconcile workload:${id} failed permanently, not retried until it changes: P2020/22003: Value out of range for the type: value "1000000000000000000000000000000" is out of range for type bigint`]);
    // not retried: nothing waits, however long one waits
    expect(await queue.size()).toEqual({ waiting: 0, inFlight: 0 });
    clock.advance(120_000);
    await converge();
    expect(await queue.size()).toEqual({ waiting: 0, inFlight: 0 });

    // a resync reconciles it again: it fails the same way, and says nothing more
    await rt.svc.queue.add(keys.workload(id));
    await converge();
    expect(await warnings()).toHaveLength(1);
    expect(said(log).slice(before)).toHaveLength(1);
    expect(await store.prisma.volumeClaim.count({ where: { clusterId } })).toBe(0);

    // a new generation that fails too is reported again
    await corrupt('2e30');
    await converge();
    expect((await warnings()).map((e) => e.message.slice(0, 40))).toEqual(['cannot be reconciled (generation 2), not', 'cannot be reconciled (generation 3), not']);
    expect(said(log).slice(before)).toHaveLength(2);
  });

  it('unknown work keys are dropped with one log line each, not retried', async () => {
    const before = said(log).length;
    for (const key of ['bogus:123', 'workload:not-a-uuid', 'invoices:some', 'pods']) await rt.svc.queue.add(key);
    await converge();
    expect(said(log).slice(before).sort()).toEqual([
      'warn dropping work key bogus:123: unknown work key "bogus:123": no controller for "bogus"',
      'warn dropping work key invoices:some: unknown work key "invoices:some": the invoices key is invoices:all',
      'warn dropping work key pods: unknown work key "pods": expected kind:id',
      'warn dropping work key workload:not-a-uuid: unknown work key "workload:not-a-uuid": "not-a-uuid" is not a workload id',
    ]);
    expect(await queue.size()).toEqual({ waiting: 0, inFlight: 0 });
    clock.advance(120_000);
    await converge();
    expect(await queue.size()).toEqual({ waiting: 0, inFlight: 0 });
  });
});

describe('parseWorkKey', () => {
  const id = '6912b2f8-be0b-4cf9-8f13-0167544df101';
  it.each([
    [`workload:${id}`, { kind: 'workload', id }],
    [`pods:${id}`, { kind: 'pods', id }],
    [`cluster:${id}`, { kind: 'cluster', id }],
    [`autoscaler:${id}`, { kind: 'autoscaler', id }],
    [`metrics:${id}`, { kind: 'metrics', id }],
    [`meter:${id}`, { kind: 'meter', id }],
    ['invoices:all', { kind: 'invoices', id: 'all' }],
  ])('routes %s', (key, parsed) => {
    expect(parseWorkKey(key)).toEqual(parsed);
  });
  it.each([['nope:1'], ['workload:'], [`workload:${id}x`], [':x'], ['invoices:one'], ['__proto__:x'], ['toString:x']])('refuses %s as unknown (a permanent error)', (key) => {
    expect(() => parseWorkKey(key)).toThrow(PermanentError);
  });
});

describe('failureReporter', () => {
  const info = (kind: 'transient' | 'conflict' | 'permanent' | 'queue', expected = true, failures = 0) => ({ kind, expected, failures, tenant: 'acct/c' });
  it('writes a transient failure in one line with its attempt, a bug with its stack on its first failure only', () => {
    const log = recordingLogger();
    const report = failureReporter(log);
    report('pods:c', new Error('fleet API down\nmore'), info('transient', true, 2));
    report('pods:c', new TypeError('x is undefined'), info('transient', false, 0));
    report('pods:c', new TypeError('x is undefined'), info('transient', false, 1));
    expect(said(log)[0]).toBe('warn reconcile pods:c failed (attempt 3, retrying with backoff): fleet API down');
    expect(said(log)[1]).toMatch(/^error reconcile pods:c failed \(unexpected; retrying with backoff\): TypeError: x is undefined\n\s+at /);
    expect(said(log)[2]).toBe('warn reconcile pods:c failed (attempt 2, retrying with backoff): TypeError: x is undefined');
  });
  it('says a conflict at debug level only, and a permanent failure once per key and message', () => {
    const log = recordingLogger();
    const report = failureReporter(log);
    report('workload:w', new Error('changed'), info('conflict'));
    report('workload:w', new PermanentError('bad'), info('permanent'));
    report('workload:w', new PermanentError('bad'), info('permanent'));
    report('workload:w', new PermanentError('worse'), info('permanent'));
    expect(said(log)).toEqual(['debug reconcile workload:w lost a race, running it again: changed', 'warn reconcile workload:w failed permanently, not retried until it changes: bad', 'warn reconcile workload:w failed permanently, not retried until it changes: worse']);
  });
});
