/**
 * Test helpers for code built on core: a fake clock, a seeded random source and an in-memory
 * Bytedesk server with switchable faults. Not part of the production bundle.
 */
export { createFakeClock, type FakeClock } from './fake-clock.js';
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
export { seededRandom } from './seeded-random.js';
