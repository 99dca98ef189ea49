/**
 * Test helpers for code built on core: a fake clock and an in-memory Bytedesk server with
 * switchable faults. Not part of the production bundle.
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
  publishPacketSize,
  type RestFault,
} from './in-memory-network.js';
