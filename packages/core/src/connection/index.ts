export { type BackoffPolicy, backoffCeiling, backoffDelay } from '../retry/backoff.js';
export { type AbortControllerLike, createAbortController, createMinimalAbortController } from './abort.js';
export {
  type ConnectionEffect,
  type ConnectionTimer,
  connectionTimerEvent,
  initialMachineState,
  KICKED_BY_SAME_CLIENT_ID,
  type MachineAction,
  type MachineConfig,
  type MachineEvent,
  type MachineState,
  type Transition,
  transition,
} from './machine.js';
export {
  type ConnectionManager,
  type ConnectionManagerOptions,
  checkSelfUid,
  createConnectionManager,
} from './manager.js';
