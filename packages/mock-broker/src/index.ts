export {
  type ConnectedClient,
  type MockBroker,
  type MockBrokerFaults,
  type MockBrokerOptions,
  startMockBroker,
} from './broker.js';
export { DEFAULT_SEED_PATH, loadSeed } from './seed.js';
export {
  type EchoListener,
  type MockLoginResult,
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
