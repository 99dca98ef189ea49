/**
 * Test helpers on the mock broker: a broker per test on free ports that closes itself
 * (`await using`) and records what it logged, and the users of the default seed.
 */
export {
  AGENT,
  AGENT2,
  DEMO_THREAD,
  ORG_UID,
  type SeedLogin,
  VISITOR,
  VISITOR2,
} from './seed-users.js';
export {
  type BrokerLogEntry,
  LEGACY_HISTORY,
  NO_HISTORY_LAG,
  startTestBroker,
  type TestBroker,
  type TestBrokerOptions,
} from './test-broker.js';
