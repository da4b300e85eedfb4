import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/adapters/prisma/client';
import type { Clock } from '../../src/ports/clock';
import type { Bus } from '../../src/ports/bus';
import type { WorkQueue } from '../../src/ports/workqueue';
import { MemoryBus } from '../../src/adapters/memory/bus';
import { MemoryWorkQueue } from '../../src/adapters/memory/workqueue';
import { RedisBus } from '../../src/adapters/redis/bus';
import { RedisWorkQueue } from '../../src/adapters/redis/workqueue';
import { buildRuntime, type Runtime } from '../../src/main/compose';
import { startWorker, type Worker } from '../../src/worker';
import { testConfig } from './stack';

export interface WorkerNode {
  runtime: Runtime;
  worker: Worker;
  queue: WorkQueue;
}

/**
 * Several worker "processes" in this one: each with its own runtime and, when REDIS_URL is set,
 * its own Redis connections to one shared queue (in-process bus and queue shared otherwise).
 */
export async function startWorkers(opts: { store: Store; count: number; clock: Clock; concurrency?: number; env?: Record<string, string> }): Promise<{ nodes: WorkerNode[]; converge(): Promise<void>; stop(): Promise<void> }> {
  const name = `t-${randomBytes(4).toString('hex')}`;
  const redis = process.env.REDIS_URL;
  const sharedQueue = redis ? null : new MemoryWorkQueue(opts.clock);
  const sharedBus = redis ? null : new MemoryBus();
  const config = testConfig({ NODELESS_QUEUE_NAME: name, ...opts.env });
  const nodes: WorkerNode[] = [];
  for (let i = 0; i < opts.count; i++) {
    const queue: WorkQueue = sharedQueue ?? (await RedisWorkQueue.connect(redis!, { name, clock: opts.clock }));
    const bus: Bus = sharedBus ?? (await RedisBus.connect(redis!, { prefix: `nodeless:${name}:` }));
    const runtime = await buildRuntime(config, { store: opts.store, clock: opts.clock, queue, bus });
    const worker = await startWorker(runtime.svc, { concurrency: opts.concurrency ?? 4, resyncMs: 0, onError: () => {} });
    nodes.push({ runtime, worker, queue });
  }
  return {
    nodes,
    /** Resolves once every worker is idle and the shared queue holds nothing due or in flight. */
    async converge() {
      for (let round = 0; round < 1000; round++) {
        await Promise.all(nodes.map((n) => n.worker.idle()));
        const { inFlight } = await nodes[0].queue.size();
        const next = await nodes[0].queue.nextDueAt();
        if (inFlight === 0 && (next === null || next > opts.clock.now())) return;
      }
      throw new Error('workers did not converge');
    },
    async stop() {
      for (const n of nodes) await n.worker.stop();
      for (const n of nodes) {
        if (n.queue instanceof RedisWorkQueue) await n.queue.clear();
        await n.queue.close();
        await n.runtime.svc.bus.close();
      }
    },
  };
}
