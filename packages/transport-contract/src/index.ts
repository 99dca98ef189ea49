// The realtime transports' shared tests: the contract suite and the real broker it runs against.
// Test code only: imported by the transports' *.test.ts files, never by what they publish.
export { type AedesServer, type AedesServerTls, startAedesServer } from './aedes-server.js';
export { describeRealtimeTransport } from './contract.js';
export type { ContractTransport, ContractTransportOptions, TransportFactory } from './harness.js';
export { nextEvent, rejection, until } from './wait.js';
