import { MemoryWorkQueue } from '../src/adapters/memory/workqueue';
import { workQueueContract } from './contracts/workqueue.contract';

workQueueContract('MemoryWorkQueue', async (clock, options) => {
  const queue = new MemoryWorkQueue(clock, options);
  return {
    // Consumers in one process share one instance.
    open: async () => queue,
    cleanup: () => queue.close(),
  };
});
