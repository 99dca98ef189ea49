export {
  type ConnectedClient,
  type KickOptions,
  type MockBroker,
  type MockBrokerFaults,
  type MockBrokerOptions,
  startMockBroker,
} from './broker.js';
export type { RobotAnswerOptions, RobotAnswerThread } from './robot-answer.js';
export { DEFAULT_SEED_PATH, loadSeed } from './seed.js';
export {
  type EchoListener,
  type LoginAttempt,
  type MockLoginResult,
  MockServerState,
  type MockServerStateOptions,
  type PublicUser,
  type RestDelayOutcome,
  type RouteContext,
  type RouteRefusal,
  type RouteResult,
} from './state.js';
export type {
  CompatMode,
  MockLogger,
  MockMode,
  MockOrg,
  MockThread,
  MockUser,
  MockWorkgroup,
  RestFault,
  SeedData,
  TimeFormat,
} from './types.js';
