import { MemoryBus } from '../src/adapters/memory/bus';
import { busContract } from './contracts/bus.contract';

busContract('MemoryBus', async () => {
  const bus = new MemoryBus();
  return {
    // One in-process bus: every "instance" is the shared one.
    open: async () => bus,
    cleanup: () => bus.close(),
  };
});
