/**
 * Test helpers for code built on core: a fake clock, a seeded random source, an environment and
 * a logger switched and read by hand, a fake mini-program storage, a store that fails or hangs
 * on demand, and an in-memory Bytedesk server with switchable faults. Not part of the
 * production bundle.
 */
export { createFakeClock, type FakeClock } from './fake-clock.js';
export {
  createFakeMiniProgramStorage,
  type FakeMiniProgramStorage,
  type FakeMiniProgramStorageOptions,
} from './fake-mini-program-storage.js';
export {
  createFaultyStore,
  type FaultyStore,
  type FaultyStoreOptions,
  type StoreCall,
  type StoreFault,
} from './faulty-store.js';
export {
  type ConnectionInfo,
  createInMemoryNetwork,
  type InMemoryNetwork,
  type InMemoryNetworkOptions,
  type InMemoryRealtimeTransport,
  type NetworkFaults,
  type NetworkStats,
  type RestFailure,
} from './in-memory-network.js';
export { createManualEnvironment, type ManualEnvironment } from './manual-environment.js';
export { createRecordingLogger, type RecordingLogger } from './recording-logger.js';
export { seededRandom } from './seeded-random.js';
