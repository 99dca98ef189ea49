export {
  type ConnectedClient,
  type MockBroker,
  type MockBrokerFaults,
  type MockBrokerOptions,
  startMockBroker,
} from './broker.js';
export { PacketSizeGuard } from './packet-guard.js';
export { type AdminHooks, CORS_HEADERS, handleRestRequest, type RestRequest, type RestResponse } from './rest.js';
export { DEFAULT_SEED_PATH, loadSeed } from './seed.js';
export {
  type EchoListener,
  type LoginResult,
  MockServerState,
  type MockServerStateOptions,
  type PublicUser,
  type RestDelayOutcome,
  type RouteRefusal,
  type RouteResult,
} from './state.js';
export type {
  CompatMode,
  MockLogger,
  MockOrg,
  MockThread,
  MockUser,
  MockWorkgroup,
  RestFault,
  SeedData,
  TimeFormat,
} from './types.js';
